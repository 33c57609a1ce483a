/**
 * Shared by the backup tests: configuration from an environment, a database seeded through the
 * application's own functions, and a small S3 double over real HTTP (path-style; single PUTs and
 * multipart uploads — enough to prove what `rampart backup` sends off-site; it checks that requests
 * are signed, not their signature).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { loadConfig, type Config } from '../../src/config/index.js';
import { journal } from '../../src/domain/ledger.js';
import { createTransaction } from '../../src/flows/state-machine.js';
import type { Database } from '../../src/platform/db/database.js';
import { postJournal } from '../../src/platform/ledger-store.js';
import { enqueue } from '../../src/platform/outbox/jobs.js';

const ACCOUNT = 'GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H';

/** Row counts of the money tables after `seed()`. */
export const SEEDED_ROWS = {
  transactions: 2,
  transaction_events: 2,
  ledger_journals: 1,
  ledger_postings: 3,
  jobs: 2,
  customers: 0,
  quotes: 0,
  stellar_submissions: 0,
};

export function configOf(env: Record<string, string>): Config {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.config;
}

/** Two transactions, a balanced journal and two jobs, written as the application writes them. */
export async function seed(database: Database): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    const deposit = await createTransaction(trx, {
      kind: 'deposit',
      protocol: 'sep24',
      assetCode: 'NGNC',
      assetIssuer: null,
      stellarAccount: ACCOUNT,
      stellarMemo: null,
      actor: 'test',
    });
    await postJournal(
      trx,
      journal(
        [
          { account: 'assets:paystack:clearing', currency: 'NGN', amountMinor: 500_000n },
          { account: `liabilities:customers:${deposit.id}`, currency: 'NGN', amountMinor: -499_900n },
          { account: 'income:fees', currency: 'NGN', amountMinor: -100n },
        ],
        { reference: 'ps_ref_backup_1' },
      ),
      { kind: 'deposit.funded', transactionId: deposit.id },
    );
    await enqueue(trx, { type: 'deposit.pay', payload: { transactionId: deposit.id } }, 5);
  });
  await database.db.transaction().execute(async (trx) => {
    await createTransaction(trx, {
      kind: 'withdrawal',
      protocol: 'sep6',
      assetCode: 'USDC',
      assetIssuer: ACCOUNT,
      stellarAccount: ACCOUNT,
      stellarMemo: '42',
      actor: 'test',
    });
    await enqueue(trx, { type: 'probe', payload: {} }, 5);
  });
}

export interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly metadata: Record<string, string>;
}

export interface S3Double {
  readonly endpoint: string;
  readonly objects: Map<string, StoredObject>;
  readonly requests: string[];
  /** When set, every request is answered 500 (the SDK's retries included). */
  failing: boolean;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function metadataOf(req: IncomingMessage): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice(11)] = value;
  return metadata;
}

export async function startS3Double(): Promise<S3Double> {
  const objects = new Map<string, StoredObject>();
  const uploads = new Map<
    string,
    { parts: Map<number, Buffer>; contentType: string | undefined; metadata: Record<string, string> }
  >();
  const requests: string[] = [];
  let next = 0;
  const state = { failing: false };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const key = decodeURIComponent(url.pathname.slice(1)); // bucket/key
    const body = await bodyOf(req);
    const uploadId = url.searchParams.get('uploadId');
    const op = `${req.method ?? ''} ${key}${url.search}`;
    requests.push(op);
    if (state.failing) {
      res.writeHead(500, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0"?><Error><Code>InternalError</Code><Message>double is failing</Message></Error>',
      );
      return;
    }
    if (!(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>unsigned</Message></Error>');
      return;
    }
    const xml = (text: string): void => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>${text}`);
    };
    if (req.method === 'POST' && url.searchParams.has('uploads')) {
      const id = `upload-${(next += 1)}`;
      uploads.set(id, {
        parts: new Map(),
        contentType: req.headers['content-type'],
        metadata: metadataOf(req),
      });
      const [bucket, ...rest] = key.split('/');
      xml(
        `<InitiateMultipartUploadResult><Bucket>${bucket ?? ''}</Bucket><Key>${rest.join('/')}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      );
      return;
    }
    if (req.method === 'PUT' && uploadId !== null) {
      const part = Number(url.searchParams.get('partNumber'));
      uploads.get(uploadId)?.parts.set(part, body);
      res.writeHead(200, { etag: `"etag-${part}"` });
      res.end();
      return;
    }
    if (req.method === 'POST' && uploadId !== null) {
      const upload = uploads.get(uploadId);
      if (upload === undefined) {
        res.writeHead(404);
        res.end();
        return;
      }
      const ordered = [...upload.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, part]) => part);
      objects.set(key, {
        body: Buffer.concat(ordered),
        contentType: upload.contentType,
        metadata: upload.metadata,
      });
      uploads.delete(uploadId);
      xml(
        `<CompleteMultipartUploadResult><Key>${key}</Key><ETag>"done"</ETag></CompleteMultipartUploadResult>`,
      );
      return;
    }
    if (req.method === 'DELETE' && uploadId !== null) {
      uploads.delete(uploadId);
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method === 'PUT') {
      objects.set(key, { body, contentType: req.headers['content-type'], metadata: metadataOf(req) });
      res.writeHead(200, { etag: '"single"' });
      res.end();
      return;
    }
    res.writeHead(400);
    res.end();
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    objects,
    requests,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}
