/** Finding free local ports for the doubles, next to Rampart's own. */
import { createServer } from 'node:net';

const PORT_SEARCH_SPAN = 200;

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, host, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** The first free port after `after`, skipping `taken`; throws after a bounded search. */
export async function nextFreePort(
  after: number,
  host: string,
  taken: ReadonlySet<number> = new Set(),
): Promise<number> {
  for (let port = after + 1; port <= Math.min(after + PORT_SEARCH_SPAN, 65_535); port += 1) {
    if (taken.has(port)) continue;
    if (await isFree(port, host)) return port;
  }
  throw new Error(`no free port within ${PORT_SEARCH_SPAN} after ${after}`);
}
