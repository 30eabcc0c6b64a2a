import { Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CopyTextButton } from '../../../components/CopyValue.tsx';

/**
 * The Exchange Online PowerShell that restricts (or, for a blocked mailbox, checks) which mailboxes
 * an app may read, with this tenant's values filled in.
 */
export function AccessPolicyScript({
  clientId,
  mailbox,
  group,
  kind,
}: {
  clientId: string;
  mailbox?: string | null;
  group?: string | null;
  kind: 'restrict' | 'blocked';
}) {
  const { t } = useTranslation();
  const groupRef = group ?? t('connectors.policy.groupPlaceholder');
  const mailboxRef = mailbox ?? t('connectors.policy.mailboxPlaceholder');
  const lines =
    kind === 'restrict'
      ? [
          'Connect-ExchangeOnline',
          `New-ApplicationAccessPolicy -AppId ${clientId} -PolicyScopeGroupId ${groupRef} -AccessRight RestrictAccess -Description "Mailroom"`,
          `Test-ApplicationAccessPolicy -Identity ${mailboxRef} -AppId ${clientId}`,
        ]
      : [
          'Connect-ExchangeOnline',
          `Get-ApplicationAccessPolicy | Where-Object AppId -eq "${clientId}"`,
          `Add-DistributionGroupMember -Identity ${groupRef} -Member ${mailboxRef}`,
          `Test-ApplicationAccessPolicy -Identity ${mailboxRef} -AppId ${clientId}`,
        ];
  const script = lines.join('\n');
  return (
    <Stack gap={6}>
      <Text size="sm">{t(`connectors.policy.${kind}Intro`)}</Text>
      <pre className="code-block" data-testid="powershell">
        {script}
      </pre>
      <CopyTextButton value={script}>{t('connectors.policy.copy')}</CopyTextButton>
      <Text size="xs" c="dimmed">
        {t(`connectors.policy.${kind}Outro`)}
      </Text>
    </Stack>
  );
}
