import { createBrowserRouter, Navigate } from 'react-router';
import { PublicOnly, RequireUser, Root, RedirectToWorkspace } from './components/Guards.tsx';
import { WorkspaceShell } from './components/WorkspaceShell.tsx';
import { AcceptInvitationPage } from './pages/AcceptInvitationPage.tsx';
import { HomePage } from './pages/HomePage.tsx';
import { DocumentPage } from './pages/inbox/DocumentPage.tsx';
import { InboxPage } from './pages/inbox/InboxPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SetupPage } from './pages/SetupPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { AuditLogSettings } from './pages/settings/AuditLogSettings.tsx';
import { ApiKeysSettings } from './pages/settings/ApiKeysSettings.tsx';
import { ConnectorPage } from './pages/settings/ConnectorPage.tsx';
import { ConnectorsSettings } from './pages/settings/ConnectorsSettings.tsx';
import { GeneralSettings } from './pages/settings/GeneralSettings.tsx';
import { InboxesSettings } from './pages/settings/InboxesSettings.tsx';
import { PeopleSettings } from './pages/settings/PeopleSettings.tsx';
import { SettingsLayout } from './pages/settings/SettingsLayout.tsx';
import { WebhookPage } from './pages/settings/WebhookPage.tsx';
import { WebhooksSettings } from './pages/settings/WebhooksSettings.tsx';

export const router = createBrowserRouter([
  {
    element: <Root />,
    children: [
      { path: '/setup', element: <SetupPage /> },
      { path: '/invitations/:token', element: <AcceptInvitationPage /> },
      { path: '/invite/:token', element: <AcceptInvitationPage /> },
      {
        element: <PublicOnly />,
        children: [{ path: '/sign-in', element: <SignInPage /> }],
      },
      {
        element: <RequireUser />,
        children: [
          { path: '/', element: <RedirectToWorkspace /> },
          {
            path: '/w/:workspaceId',
            element: <WorkspaceShell />,
            children: [
              { index: true, element: <HomePage /> },
              { path: 'inbox', element: <InboxPage /> },
              { path: 'inbox/:documentId', element: <DocumentPage /> },
              {
                path: 'settings',
                element: <SettingsLayout />,
                children: [
                  { index: true, element: <Navigate to="general" replace /> },
                  { path: 'general', element: <GeneralSettings /> },
                  { path: 'people', element: <PeopleSettings /> },
                  { path: 'inboxes', element: <InboxesSettings /> },
                  { path: 'connectors', element: <ConnectorsSettings /> },
                  { path: 'connectors/:connectorId', element: <ConnectorPage /> },
                  { path: 'api-keys', element: <ApiKeysSettings /> },
                  { path: 'webhooks', element: <WebhooksSettings /> },
                  { path: 'webhooks/:webhookId', element: <WebhookPage /> },
                  { path: 'audit-log', element: <AuditLogSettings /> },
                  { path: '*', element: <NotFoundPage /> },
                ],
              },
              { path: '*', element: <NotFoundPage /> },
            ],
          },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
