import { Anchor, MultiSelect } from '@mantine/core';
import { useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useTaxonomy, useTaxonomyChange } from '../api/inboxes.ts';
import { newIdempotencyKey } from '../lib/idempotency-key.ts';
import { paths } from '../lib/paths.ts';
import { useCurrentWorkspace } from '../lib/workspace.ts';

/** The value of the "create" option: tag ids are UUIDs, so it can never be one. */
const CREATE = 'create-tag:';

/**
 * The workspace's tags to pick from (issue 19 §5): it says where tags are made (Workspace settings →
 * Inboxes), and an admin who types a name no tag has can create it here, picked at once.
 */
export function TagPicker(props: {
  value: string[];
  onChange: (tagIds: string[]) => void;
  placeholder?: string;
  w?: React.ComponentProps<typeof MultiSelect>['w'];
}) {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  const tags = useTaxonomy(ws.id, 'tags');
  const { create } = useTaxonomyChange(ws.id, 'tags');
  const [search, setSearch] = useState('');
  const typed = search.trim();
  const known = (tags.data?.items ?? []).some((x) => x.name.toLowerCase() === typed.toLowerCase());
  const data = [
    ...(tags.data?.items ?? []).map((x) => ({ value: x.id, label: x.name })),
    ...(ws.canManage && typed && !known && typed.length <= 80
      ? [{ value: `${CREATE}${typed}`, label: t('tagPicker.create', { name: typed }) }]
      : []),
  ];
  return (
    <MultiSelect
      label={t('rules.tags')}
      description={
        <Trans
          i18nKey={ws.canManage ? 'tagPicker.hintAdmin' : 'tagPicker.hint'}
          components={{
            settings: <Anchor component={Link} to={paths.settings(ws.id, 'inboxes')} size="xs" />,
          }}
        />
      }
      data={data}
      value={props.value}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      placeholder={props.placeholder}
      w={props.w}
      error={create.error ? create.error.message : undefined}
      onChange={(ids) => {
        const asked = ids.find((id) => id.startsWith(CREATE));
        if (!asked) return props.onChange(ids);
        const rest = ids.filter((id) => !id.startsWith(CREATE));
        if (create.isPending) return;
        create.mutate(
          { name: asked.slice(CREATE.length), key: newIdempotencyKey() },
          {
            onSuccess: (tag) => {
              setSearch('');
              props.onChange([...rest, tag.id]);
            },
          },
        );
      }}
    />
  );
}
