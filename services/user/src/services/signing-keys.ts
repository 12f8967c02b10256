import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, type JSONWebKeySet, type JWK } from 'jose';
import { signingAlgorithm, type Role } from '@blog/platform';

export interface SigningKeys {
  sign(claims: { handle: string; role: Role; sessionId: string }): Promise<string>;
  jwks: JSONWebKeySet;
}

async function publicJwk(key: KeyObject): Promise<JWK> {
  const jwk = await exportJWK(key);
  if (jwk.crv !== 'Ed25519') throw new Error('JWT keys must be Ed25519');
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: signingAlgorithm, use: 'sig' };
}

/** The signing key and every still-trusted public key, published as a JWKS whose `kid` is the RFC 7638 thumbprint. */
export async function loadSigningKeys(options: {
  signingKeyFile: string;
  previousPublicKeyFiles: string[];
  issuer: string;
  audience: string;
  ttlSeconds: number;
}): Promise<SigningKeys> {
  const privateKey = createPrivateKey(readFileSync(options.signingKeyFile));
  const current = await publicJwk(createPublicKey(privateKey));
  const previous = await Promise.all(options.previousPublicKeyFiles.map((file) => publicJwk(createPublicKey(readFileSync(file)))));
  const kid = current.kid!;
  return {
    jwks: { keys: [current, ...previous.filter((jwk) => jwk.kid !== kid)] },
    sign: ({ handle, role, sessionId }) =>
      new SignJWT({ role, sid: sessionId })
        .setProtectedHeader({ alg: signingAlgorithm, kid, typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(handle)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(`${options.ttlSeconds}s`)
        .sign(privateKey),
  };
}
