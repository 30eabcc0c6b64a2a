import { Alert, Button, Group, Stack } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage, fieldErrorsOf } from '../../../lib/errors.ts';
import {
  ENDPOINT_FIELDS,
  EndpointFields,
  bodyOf,
  urlProblem,
  type EndpointDraft,
} from './EndpointFields.tsx';

/**
 * The endpoint form both "Add endpoint" and "Edit" use: the URL checked in the browser first, then the
 * server's own messages on the fields they name (the rest above the buttons).
 */
export function EndpointForm({
  ws,
  initial,
  submitLabel,
  pending,
  error,
  reset,
  save,
  onClose,
}: {
  ws: string;
  initial: EndpointDraft;
  submitLabel: string;
  pending: boolean;
  error: unknown;
  reset: () => void;
  save: (body: ReturnType<typeof bodyOf>) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const fields = fieldErrorsOf(error);
  const general = error && !ENDPOINT_FIELDS.some((f) => fields[f]) ? errorMessage(t, error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = urlProblem(t, draft.url);
    setProblem(p);
    if (p) {
      document.getElementById('webhook-url')?.focus();
      return;
    }
    save(bodyOf(draft));
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <EndpointFields
          ws={ws}
          draft={draft}
          onChange={(d) => {
            setDraft(d);
            if (d.url !== draft.url) setProblem(null);
            if (error) reset();
          }}
          errors={{ ...fields, url: problem ?? fields.url ?? null }}
        />
        {general && (
          <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
            {general}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" type="button" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={pending}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
