// A real OpenID Provider for the portal's OIDC tests: panva's node-oidc-provider (OpenID-certified),
// configured from the JSON file named on the command line. Test-only: tests/portal/oidc_op/README.md.
//
// Config: {"port", "issuer", "clients": [...client metadata], "jwks": {"keys": [private JWK]},
//          "accounts": {"<sub>": {claims}}}. The issuer may name another port than the one listened
// on (a test proxy in front). Login is one form: any account of "accounts", and an optional
// comma-separated "amr" the session records (how the person authenticated).
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], groups: ['groups'] },
  // The ID token carries the scopes' claims (as many enterprise IdPs do), amr with openid.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ['test-only-cookie-key'] },
  findAccount: (ctx, sub) => (accounts[sub] ? { accountId: sub, claims: () => ({ sub, ...accounts[sub] }) } : undefined),
  // No consent screen: the test client is first-party.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email groups');
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { IdToken: 3600, AuthorizationCode: 60 },
});

const page = (uid) => `<!doctype html><form method="post" action="/interaction/${uid}">
<input name="login"><input name="amr"><button>Sign in</button></form>`;

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = page(details.uid);
    return undefined;
  }
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const body = new URLSearchParams(Buffer.concat(chunks).toString());
  const login = body.get('login');
  if (!accounts[login]) {
    return provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied' }, { mergeWithLastSubmission: false });
  }
  const amr = body.get('amr') ? body.get('amr').split(',') : undefined;
  return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: login, amr } }, { mergeWithLastSubmission: false });
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${config.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
