import { Anchor, Text } from '@mantine/core';
import { Trans, useTranslation } from 'react-i18next';
import { ShownOnce } from '../../../components/ShownOnce.tsx';

/** Standard Webhooks' page, with its libraries for every language. */
const STANDARD_WEBHOOKS = 'https://www.standardwebhooks.com/';

/** A new signing secret (after adding an endpoint or rotating its secret), with how to use it. */
export function SigningSecret({ title, secret }: { title: string; secret: string }) {
  const { t } = useTranslation();
  return (
    <ShownOnce title={title} label={t('webhooks.secret.label')} value={secret}>
      <Text size="sm">
        <Trans
          i18nKey="webhooks.secret.verify"
          components={{
            standard: <Anchor href={STANDARD_WEBHOOKS} target="_blank" rel="noreferrer" size="sm" />,
            code: <code className="mono" />,
          }}
        />
      </Text>
    </ShownOnce>
  );
}
