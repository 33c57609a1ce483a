/** `/_sandbox/*`: the control API over HTTP (JSON), for tests in other processes and the CLI. */
import type { FastifyInstance } from 'fastify';
import { ControlError, type HorizonControl } from './control.js';
import { parseFaultPatch } from './faults.js';
import { badRequest } from './render.js';
import { sendProblem } from './routes.js';

export async function controlRoutes(
  app: FastifyInstance,
  options: { control: HorizonControl },
): Promise<void> {
  const { control } = options;

  app.get('/_sandbox/state', async () => control.state());
  app.get('/_sandbox/faults', async () => control.faults());

  app.post('/_sandbox/faults', async (request, reply) => {
    const parsed = parseFaultPatch(request.body);
    if (!parsed.ok) return sendProblem(reply, badRequest(parsed.error));
    return control.setFaults(parsed.patch);
  });

  app.post('/_sandbox/reset', async () => {
    control.reset();
    return control.state();
  });

  app.post('/_sandbox/ledgers', async () => ({ ledger: control.closeLedger() }));

  app.post('/_sandbox/accounts', async (request, reply) => {
    const body = objectBody(request.body);
    try {
      const balance = stringField(body, 'balance');
      control.createAccount({
        accountId: text(body, 'accountId'),
        ...(balance === undefined ? {} : { balance }),
      });
    } catch (error) {
      if (error instanceof ControlError) return sendProblem(reply, badRequest(error.message));
      throw error;
    }
    return reply.code(201).send({ accountId: body['accountId'] });
  });

  app.post('/_sandbox/trustlines', async (request, reply) => {
    const body = objectBody(request.body);
    try {
      const limit = stringField(body, 'limit');
      const balance = stringField(body, 'balance');
      control.setTrustline({
        accountId: text(body, 'accountId'),
        asset: text(body, 'asset'),
        ...(limit === undefined ? {} : { limit }),
        ...(balance === undefined ? {} : { balance }),
      });
    } catch (error) {
      if (error instanceof ControlError) return sendProblem(reply, badRequest(error.message));
      throw error;
    }
    return reply.code(201).send({ accountId: body['accountId'], asset: body['asset'] });
  });
}

function objectBody(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ControlError(`${name} must be a string amount`);
  return value;
}

function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}
