/** OpenAPI generated from the route schemas: `/openapi.json` for tools, `/docs` for people. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/schema.js';
import { ErrorBody } from './errors.js';

export async function registerOpenApi(app: FastifyInstance, config: Config, version: string): Promise<void> {
  app.addSchema(ErrorBody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rampart',
        version,
        description:
          'Stellar anchor server: SEP endpoints, health and operations. Every error answers `{ error, code }`.',
      },
      servers: [{ url: config.publicUrl.toString().replace(/\/$/, '') }],
      components: {
        securitySchemes: {
          sep10: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'A SEP-10 token from POST /auth.',
          },
        },
      },
    },
    // Shared schemas keep their $id as their OpenAPI component name (ErrorBody, not def-0).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) =>
        typeof json['$id'] === 'string' ? json['$id'] : `def-${index}`,
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Serves the explorer's own scripts and styles and widens the CSP on its pages only.
    staticCSP: true,
    uiConfig: { deepLinking: false },
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
