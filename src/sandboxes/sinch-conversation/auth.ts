// Who a request comes from (docs/providers/sinch-conversation.md B.2): OAuth2 client-credentials
// tokens, issued by POST /oauth2/token and checked on every call, or the discouraged Basic
// key:secret.
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ulid } from 'ulid';
import { appendBounded } from '../kit/history.js';
import { basicCredentials, bearerToken, sameSecret } from '../kit/server.js';
import { errors } from './errors.js';
import type { IssuedToken, SandboxProject } from './types.js';

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export class ProjectAuth {
  /** Every token issued, oldest first; `historyLimit` bounds it and the live tokens kept. */
  readonly tokensIssued: IssuedToken[] = [];
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly byId: Map<string, SandboxProject>;
  private readonly signingKey = randomBytes(32);

  constructor(
    private readonly projects: readonly SandboxProject[],
    readonly tokenTtlSeconds: number,
    private readonly historyLimit: number,
  ) {
    this.byId = new Map(projects.map((p) => [p.projectId, p]));
  }

  issueToken(project: SandboxProject): IssuedToken {
    const issuedAtMs = Date.now();
    const expiresAtMs = issuedAtMs + this.tokenTtlSeconds * 1000;
    // A JWT, as Sinch's are: the official SDK reads `exp` to refresh ahead of expiry.
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        iss: 'sinch-conversation-sandbox',
        sub: project.accessKey,
        project_id: project.projectId,
        iat: Math.floor(issuedAtMs / 1000),
        exp: Math.floor(expiresAtMs / 1000),
        jti: ulid(),
      }),
    );
    const signature = base64url(createHmac('sha256', this.signingKey).update(`${header}.${payload}`).digest());
    const issued: IssuedToken = { projectId: project.projectId, accessKey: project.accessKey, token: `${header}.${payload}.${signature}`, issuedAtMs, expiresAtMs, revoked: false };
    if (this.tokens.size >= this.historyLimit) {
      for (const [value, t] of this.tokens) if (t.expiresAtMs < issuedAtMs) this.tokens.delete(value);
    }
    this.tokens.set(issued.token, issued);
    appendBounded(this.tokensIssued, issued, this.historyLimit);
    return issued;
  }

  /** The project whose key and secret are in a `Basic` header, if they match. */
  basicProject(authorization: string): SandboxProject | undefined {
    const credentials = basicCredentials(authorization);
    if (!credentials) return undefined;
    return this.projects.find((p) => p.accessKey === credentials.user && sameSecret(p.accessSecret, credentials.password));
  }

  /** Bearer token (or the discouraged Basic key:secret, B.2) → the project it belongs to. */
  authenticate(req: FastifyRequest, projectId: string): SandboxProject {
    const authorization = req.headers.authorization ?? '';
    let project: SandboxProject | undefined;
    const bearer = bearerToken(authorization);
    if (bearer) {
      const issued = this.tokens.get(bearer);
      if (!issued) throw errors.unauthenticated();
      if (issued.revoked) throw errors.tokenExpired(true);
      if (Date.now() >= issued.expiresAtMs) throw errors.tokenExpired(false);
      project = this.byId.get(issued.projectId);
    } else {
      project = this.basicProject(authorization);
    }
    if (!project) throw errors.unauthenticated();
    if (!this.byId.has(projectId)) throw errors.notFound(`Project ${projectId} not found.`);
    if (project.projectId !== projectId) throw errors.permissionDenied(`The credentials do not grant access to project ${projectId}.`);
    return project;
  }

  /** Every token issued so far answers 401 (expired) from now on, as after a key rotation. */
  revokeTokens(): void {
    for (const t of this.tokens.values()) t.revoked = true;
  }
}
