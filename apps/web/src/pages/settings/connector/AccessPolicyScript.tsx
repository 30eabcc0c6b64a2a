import { Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CopyTextButton } from '../../../components/CopyValue.tsx';
import {
  legacyBlockedScript,
  legacyRestrictScript,
  rbacAddMailboxScript,
  rbacRestrictScript,
} from './exchange-scripts.ts';

/**
 * The Exchange Online PowerShell that restricts which mailboxes an app-only connection reads, or lets
 * a blocked mailbox in, with this tenant's values filled in. `restrict` leads with RBAC for
 * Applications (Microsoft's way for new setups) and keeps the application access policy as legacy;
 * `rbacBlocked` and `blocked` answer the mechanism the access test named.
 */
export function AccessPolicyScript({
  clientId,
  servicePrincipalId = null,
  mailbox,
  group,
  kind,
}: {
  clientId: string;
  servicePrincipalId?: string | null;
  mailbox?: string | null;
  group?: string | null;
  kind: 'restrict' | 'blocked' | 'rbacBlocked';
}) {
  const { t } = useTranslation();
  const values = {
    clientId,
    servicePrincipalId,
    group: group ?? t('connectors.policy.groupPlaceholder'),
    mailbox: mailbox ?? t('connectors.policy.mailboxPlaceholder'),
    principalPlaceholder: t('connectors.policy.principalPlaceholder'),
  };
  if (kind === 'blocked')
    return <Script intro="blockedIntro" outro="blockedOutro" script={legacyBlockedScript(values)} />;
  if (kind === 'rbacBlocked')
    return <Script intro="rbacBlockedIntro" outro="rbacBlockedOutro" script={rbacAddMailboxScript(values)} />;
  return (
    <Stack gap="md">
      <Script intro="rbacIntro" outro="rbacOutro" script={rbacRestrictScript(values)} />
      <details className="help-details">
        <summary>{t('connectors.policy.legacyTitle')}</summary>
        <div style={{ marginTop: 8 }}>
          <Script intro="restrictIntro" outro="restrictOutro" script={legacyRestrictScript(values)} />
        </div>
      </details>
    </Stack>
  );
}

function Script({ intro, outro, script }: { intro: string; outro: string; script: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap={6}>
      <Text size="sm">{t(`connectors.policy.${intro}`)}</Text>
      <pre className="code-block" data-testid="powershell">
        {script}
      </pre>
      <CopyTextButton value={script}>{t('connectors.policy.copy')}</CopyTextButton>
      <Text size="xs" c="dimmed">
        {t(`connectors.policy.${outro}`)}
      </Text>
    </Stack>
  );
}
