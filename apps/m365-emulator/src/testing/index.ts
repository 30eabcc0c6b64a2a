/** Test helpers for code that talks to the emulator in-process (no browser needed). */
export { createCaFetch } from './fetch.ts';
export { createMsalNetworkClient } from './msal.ts';
export {
  EntraBrowser,
  SignInPageError,
  parseForms,
  type RedirectResult,
  type SignInOptions,
  type HtmlForm,
} from './browser.ts';
export { createTestCertificate } from './certificates.ts';
export { caHttpMessageHandler } from './graph-client.ts';
export { WebhookReceiver, type ReceivedPost, type WebhookBehaviour } from './webhook.ts';
