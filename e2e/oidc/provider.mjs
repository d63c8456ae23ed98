// A real OpenID Connect provider for the single sign-on tests (the server's
// `server/tests/it/oidc.rs` and the browser's `e2e/tests/sso.rs`): node's oidc-provider, with
// its own development login and consent pages, one confidential client and a few accounts.
// Paraphe's tests talk to it exactly as to a company's provider: discovery, the browser
// redirect, the code exchanged with PKCE, ID tokens signed by its own keys (JWKS), and
// RP-initiated logout.
//
//   node e2e/oidc/provider.mjs --port 4000 \
//     --redirect-uri http://127.0.0.1:8080/auth/oidc/callback \
//     --post-logout-redirect-uri http://127.0.0.1:8080/connexion [--conform]
//
// It prints `listening <issuer>` once it serves. The login page takes an account's id below
// as the login and any password (oidc-provider's development interactions).

import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
    'post-logout-redirect-uri': { type: 'string', multiple: true, default: [] },
    'client-id': { type: 'string', default: 'paraphe' },
    'client-secret': { type: 'string', default: 'paraphe-sso-test-secret' },
    // Keep the profile's claims out of the ID token, for the userinfo endpoint only (the
    // specification's default, which some providers follow).
    conform: { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || values['redirect-uri'].length === 0) {
  console.error('usage: provider.mjs --port N --redirect-uri URI [--post-logout-redirect-uri URI]');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// The accounts, by the login typed on the provider's page. `hugo` has the verified email of
// the demo collaborator (an existing Paraphe account); `claire` claims the demo accountant's
// email without the provider having verified it; `nadia` is nobody Paraphe knows yet, nor
// `ines`, whom the demo cabinet invites; `anonymous` gives no email at all.
const ACCOUNTS = {
  nadia: {
    sub: 'comptexpert-0001', email: 'nadia.kessler@comptexpert.example', email_verified: true,
    given_name: 'Nadia', family_name: 'Kessler',
  },
  hugo: {
    sub: 'comptexpert-0002', email: 'collaborateur@demo.paraphe.fr', email_verified: true,
    given_name: 'Hugo', family_name: 'Bernard',
  },
  claire: {
    sub: 'comptexpert-0003', email: 'expert@demo.paraphe.fr', email_verified: false,
    given_name: 'Claire', family_name: 'Martin',
  },
  anonymous: { sub: 'comptexpert-0004', given_name: 'Sans', family_name: 'Adresse' },
  ines: {
    sub: 'comptexpert-0005', email: 'ines.morel@comptexpert.example', email_verified: true,
    given_name: 'Inès', family_name: 'Morel',
  },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: values['client-id'],
    client_secret: values['client-secret'],
    client_name: 'Paraphe',
    redirect_uris: values['redirect-uri'],
    post_logout_redirect_uris: values['post-logout-redirect-uri'],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // PKCE for every client, confidential ones included (S256 is the only method it takes).
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name'],
  },
  // The claims of the granted scopes go into the ID token itself, as most company
  // providers do (the relying party reads its profile there), unless --conform.
  conformIdTokenClaims: values.conform,
  cookies: { keys: ['paraphe-sso-test-cookie-key'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id] ?? Object.values(ACCOUNTS).find((a) => a.sub === id);
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { ...account };
      },
    };
  },
});

// The development pages import a web font from the internet; the tests run offline, and a
// browser there must only ever reach this machine.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && /html/.test(ctx.type ?? '')) {
    ctx.body = ctx.body.replace(/@import url\([^)]*\);/g, '');
  }
});

// The login page's accounts are chosen by id; a login nobody has is refused by findAccount.
provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
