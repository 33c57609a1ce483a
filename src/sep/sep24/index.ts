export { sep24, infoBody, INTERACTIVE_PATH } from './plugin.js';
