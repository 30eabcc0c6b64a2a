/** Stable identifiers of the built-in demo seed (seed/demo.yaml), for the server's sandbox mode. */
export const DEMO = {
  contoso: {
    tenantId: 'b7d2c1a4-3e5f-4a6b-8c9d-0e1f2a3b4c5d',
    name: 'Contoso Insurance',
    domain: 'contoso-insurance.com',
    initialDomain: 'contosoinsurance.onmicrosoft.com',
    password: 'Contoso-Sandbox-1!',
    admin: 'megan.bowen@contoso-insurance.com',
    handlers: ['alex.wilber@contoso-insurance.com', 'lynne.robbins@contoso-insurance.com'],
    noMailboxUser: 'patti.fernandez@contoso-insurance.com',
    sharedMailboxes: ['claims@contoso-insurance.com', 'production@contoso-insurance.com'],
    room: 'boardroom@contoso-insurance.com',
    accessPolicyGroup: 'mailroom-mailboxes@contoso-insurance.com',
  },
  publisher: {
    tenantId: '5e0c7a9b-1d2e-4f3a-9b8c-7d6e5f4a3b2c',
    name: 'Mailroom (publisher)',
    developer: 'dev@mailroomdev.onmicrosoft.com',
    password: 'Mailroom-Sandbox-1!',
  },
  /** Mailroom's multi-tenant app registration (home: the publisher tenant). */
  mailroomApp: {
    clientId: 'c0ffee00-4d41-4c52-9f00-6d61696c726d',
    clientSecret: 'Mrm8Q~sandbox.Secret-Value_0123456789abcdef',
    redirectUri: 'http://localhost:3000/api/v1/oauth/microsoft/callback',
    adminConsentRedirectUri: 'http://localhost:3000/api/v1/oauth/microsoft/admin-consent/callback',
  },
  /** Contoso's own single-tenant registration ("bring your own app"), admin-consented. */
  customerApp: {
    clientId: 'c0a5e0f1-2b3c-4d5e-8f70-8192a3b4c5d6',
    clientSecret: 'Cto8Q~customer.Owned-Secret_0123456789abcd',
    redirectUri: 'http://localhost:3000/api/v1/oauth/microsoft/callback',
  },
} as const;
