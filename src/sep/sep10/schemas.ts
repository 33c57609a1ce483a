/** TypeBox schemas of GET and POST /auth: validation, types and OpenAPI from one place. */
import { Type } from 'typebox';
import { CHALLENGE_XDR_CHARS_MAX } from './verification.js';

export const ChallengeQuery = Type.Object({
  account: Type.String({
    minLength: 1,
    maxLength: 69,
    description: 'The client account: a Stellar account (G…) or a muxed account (M…).',
  }),
  memo: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 20,
      description: 'An ID memo (unsigned 64-bit integer) naming a user of a shared G… account. Not with M….',
    }),
  ),
  home_domain: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'The home domain to authenticate with.' }),
  ),
  client_domain: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: "The wallet's domain, whose stellar.toml SIGNING_KEY must also sign the challenge.",
    }),
  ),
});

export const ChallengeResponse = Type.Object({
  transaction: Type.String({ description: 'The challenge: a base64 XDR transaction envelope to sign.' }),
  network_passphrase: Type.String({ description: 'The passphrase to sign with.' }),
});

export const TokenRequest = Type.Object({
  transaction: Type.String({
    minLength: 1,
    description: `The signed challenge, base64 XDR (at most ${CHALLENGE_XDR_CHARS_MAX} characters). JSON or application/x-www-form-urlencoded.`,
  }),
});

export const TokenResponse = Type.Object({
  token: Type.String({ description: 'The session JWT: send it as `Authorization: Bearer <token>`.' }),
});

/** The SEP error shape with our stable code (platform/http/errors.ts ErrorBody). */
export const Sep10Error = Type.Object({
  error: Type.String({ description: 'What went wrong, for a person.' }),
  code: Type.String({ description: 'Stable machine-readable code.' }),
});
