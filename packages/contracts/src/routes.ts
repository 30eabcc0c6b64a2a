/**
 * The HTTP API's paths, shared so that the web app, the e2e tests and the server never disagree.
 * All are under /api/v1. Workspace resources live under /workspaces/{workspaceId}; a workspace the
 * caller does not belong to answers 404 (never 403, never its data).
 *
 * Browser routes the server links to: `/invite/{token}` (invitation links) and
 * `/w/{workspaceId}/settings/connectors/{id}?connected=1` or `?error=<code>` (back from Microsoft's sign-in).
 */
export const api = {
  session: '/api/v1/auth/session',
  setup: '/api/v1/setup',
  login: '/api/v1/auth/login',
  logout: '/api/v1/auth/logout',
  me: '/api/v1/me',
  invitationPreview: (token: string) => `/api/v1/invitations/${encodeURIComponent(token)}`,
  invitationAccept: (token: string) => `/api/v1/invitations/${encodeURIComponent(token)}/accept`,
  workspace: (ws: string) => `/api/v1/workspaces/${ws}`,
  members: (ws: string) => `/api/v1/workspaces/${ws}/members`,
  member: (ws: string, userId: string) => `/api/v1/workspaces/${ws}/members/${userId}`,
  invitations: (ws: string) => `/api/v1/workspaces/${ws}/invitations`,
  invitation: (ws: string, id: string) => `/api/v1/workspaces/${ws}/invitations/${id}`,
  connectors: (ws: string) => `/api/v1/workspaces/${ws}/connectors`,
  connector: (ws: string, id: string) => `/api/v1/workspaces/${ws}/connectors/${id}`,
  /** POST → DelegatedStart. */
  connectDelegated: (ws: string, id: string) => `/api/v1/workspaces/${ws}/connectors/${id}/connect/delegated`,
  /** POST → AdminConsentStart. */
  connectOrganization: (ws: string, id: string) =>
    `/api/v1/workspaces/${ws}/connectors/${id}/connect/organization`,
  /** POST OwnAppRequest → Connector (verified before it is saved). */
  connectOwnApp: (ws: string, id: string) => `/api/v1/workspaces/${ws}/connectors/${id}/connect/own-app`,
  /** POST → Connector: erases tokens and secrets; keeps the connector (and later its mailboxes and rules). */
  disconnect: (ws: string, id: string) => `/api/v1/workspaces/${ws}/connectors/${id}/disconnect`,
  /** POST → Connector: probe the connection now. */
  checkConnector: (ws: string, id: string) => `/api/v1/workspaces/${ws}/connectors/${id}/check`,
  /** GET ?search= → DirectoryList: the tenant's users and shared mailboxes (shared marked, and the other connector that reads one). */
  directory: (ws: string, id: string) => `/api/v1/workspaces/${ws}/connectors/${id}/directory`,
  /** POST AccessTestRequest → AccessTestResult (each mailbox tested against Graph). */
  testMailboxes: (ws: string, id: string) => `/api/v1/workspaces/${ws}/connectors/${id}/mailboxes/test`,
  /** GET → MailboxList (with folder status); PUT SetMailboxesRequest → MailboxList (Confirm). */
  mailboxes: (ws: string, id: string) => `/api/v1/workspaces/${ws}/connectors/${id}/mailboxes`,
  /** POST MoveMailboxRequest → MailboxList: the mailbox (its folders, rules, cursors, documents) now read by that connector. */
  moveMailbox: (ws: string, mailboxId: string) => `/api/v1/workspaces/${ws}/mailboxes/${mailboxId}/move`,
  /** GET ?parent= → FolderTree (one level of the mailbox's folder tree). */
  folderTree: (ws: string, mailboxId: string) =>
    `/api/v1/workspaces/${ws}/mailboxes/${mailboxId}/folder-tree`,
  /** PUT SetFoldersRequest → Mailbox: the monitored folders and their rules. */
  monitoredFolders: (ws: string, mailboxId: string) =>
    `/api/v1/workspaces/${ws}/mailboxes/${mailboxId}/folders`,
  /** PATCH UpdateFolderRequest → FolderStatus. */
  folder: (ws: string, folderId: string) => `/api/v1/workspaces/${ws}/folders/${folderId}`,
  /** POST → 202: a delta round now ("Sync now"). */
  syncFolder: (ws: string, folderId: string) => `/api/v1/workspaces/${ws}/folders/${folderId}/sync`,
  /** GET → FailedMessageList. */
  failedMessages: (ws: string, folderId: string) => `/api/v1/workspaces/${ws}/folders/${folderId}/failed`,
  /** POST → 202: process a failed message again. */
  retryMessage: (ws: string, messageId: string) => `/api/v1/workspaces/${ws}/messages/${messageId}/retry`,
  /** GET → InboxList (the inboxes the caller is on); POST CreateInboxRequest → ManagedInbox (admins). */
  inboxes: (ws: string) => `/api/v1/workspaces/${ws}/inboxes`,
  /** PATCH UpdateInboxRequest → ManagedInbox (admins: rename, archive, access list, default types). */
  inbox: (ws: string, id: string) => `/api/v1/workspaces/${ws}/inboxes/${id}`,
  /** POST multipart (`file`, optional `subject`, `metadata`) + optional Idempotency-Key → 201 Document (200 on a replay). */
  inboxUpload: (ws: string, inboxId: string) => `/api/v1/workspaces/${ws}/inboxes/${inboxId}/documents`,
  /** GET → ManagedInboxList: every inbox with its access list (admins). */
  managedInboxes: (ws: string) => `/api/v1/workspaces/${ws}/settings/inboxes`,
  /** GET → InflowSettings; PUT InflowSettings (admins): the workspace's internal domains. */
  inflowSettings: (ws: string) => `/api/v1/workspaces/${ws}/settings/inflow`,
  /** GET → DocumentTypeList; POST NameRequest → DocumentType (admins). */
  documentTypes: (ws: string) => `/api/v1/workspaces/${ws}/document-types`,
  /** PATCH NameRequest, DELETE (admins). */
  documentType: (ws: string, id: string) => `/api/v1/workspaces/${ws}/document-types/${id}`,
  /** GET → TagList; POST NameRequest → Tag (admins). */
  tags: (ws: string) => `/api/v1/workspaces/${ws}/tags`,
  tag: (ws: string, id: string) => `/api/v1/workspaces/${ws}/tags/${id}`,
  /** GET → MailboxOptions (the inbox's mailbox filter). */
  mailboxOptions: (ws: string) => `/api/v1/workspaces/${ws}/mailbox-options`,
  /** GET DocumentQuery → DocumentList, newest first, only from inboxes the caller is on. */
  documents: (ws: string) => `/api/v1/workspaces/${ws}/documents`,
  /** GET (?images=1 lets remote images in) → Document; PATCH UpdateDocumentRequest → Document. */
  document: (ws: string, id: string) => `/api/v1/workspaces/${ws}/documents/${id}`,
  /** POST DocumentAction → Document. */
  documentActions: (ws: string, id: string) => `/api/v1/workspaces/${ws}/documents/${id}/actions`,
  documentEml: (ws: string, id: string) => `/api/v1/workspaces/${ws}/documents/${id}/eml`,
  /** ?inline=1 for a preview (PDF and raster images only). */
  documentAttachment: (ws: string, id: string, index: number) =>
    `/api/v1/workspaces/${ws}/documents/${id}/attachments/${index}`,
  /** GET → FilteredList: what the folder's rule filtered. */
  filteredMessages: (ws: string, folderId: string) => `/api/v1/workspaces/${ws}/folders/${folderId}/filtered`,
  /** POST TestEmailRequest → 202 (sandbox only; admins; into a mailbox this connector reads). */
  sandboxTestEmail: (ws: string, id: string) =>
    `/api/v1/workspaces/${ws}/connectors/${id}/sandbox/test-email`,
  /** GET → SandboxInfo (404 outside sandbox mode). */
  sandbox: '/api/v1/sandbox',
  /** GET ?limit=&cursor= → AuditList (newest first; pass nextCursor back as cursor). */
  audit: (ws: string) => `/api/v1/workspaces/${ws}/audit`,
  /** GET AuditFilter & format=csv|jsonl → the filtered log as a file, streamed (admins). */
  auditExport: (ws: string) => `/api/v1/workspaces/${ws}/audit/export`,
  /** GET → ApiKeyList; POST CreateApiKeyRequest → 201 CreatedApiKey (the key shown once). Admins. */
  apiKeys: (ws: string) => `/api/v1/workspaces/${ws}/api-keys`,
  /** DELETE → 200 ApiKey (revoked at once; again is harmless). */
  apiKey: (ws: string, id: string) => `/api/v1/workspaces/${ws}/api-keys/${id}`,
  /** GET → WebhookEndpointList; POST CreateWebhookEndpointRequest → 201 WebhookEndpointWithSecret. Admins. */
  webhooks: (ws: string) => `/api/v1/workspaces/${ws}/webhooks`,
  /** GET, PATCH UpdateWebhookEndpointRequest, DELETE. */
  webhook: (ws: string, id: string) => `/api/v1/workspaces/${ws}/webhooks/${id}`,
  /** POST → WebhookEndpointWithSecret (a new secret; the old one signs beside it for 24 h). */
  webhookRotateSecret: (ws: string, id: string) => `/api/v1/workspaces/${ws}/webhooks/${id}/rotate-secret`,
  /** POST → 202 { deliveryId } ("send test event"). */
  webhookTest: (ws: string, id: string) => `/api/v1/workspaces/${ws}/webhooks/${id}/test`,
  /** GET ?limit=&cursor= → WebhookDeliveryList (the delivery log, newest first). */
  webhookDeliveries: (ws: string, id: string) => `/api/v1/workspaces/${ws}/webhooks/${id}/deliveries`,
  /** POST → 202 (sent again now, same webhook-id). */
  webhookRedeliver: (ws: string, deliveryId: string) =>
    `/api/v1/workspaces/${ws}/webhook-deliveries/${deliveryId}/redeliver`,
  /** GET → { items: WebhookDelivery[] } (a document's webhook deliveries). */
  documentWebhookDeliveries: (ws: string, documentId: string) =>
    `/api/v1/workspaces/${ws}/documents/${documentId}/webhook-deliveries`,
} as const;
