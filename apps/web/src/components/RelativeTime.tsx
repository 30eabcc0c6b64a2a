import { useTranslation } from 'react-i18next';
import { formatAbsolute, formatRelative } from '../lib/time.ts';
import { useNow } from '../lib/useNow.ts';

/** A time in words ("5 minutes ago"), with the exact date and time in a tooltip and for machines. */
export function RelativeTime({ iso }: { iso: string }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return <span>{iso}</span>;
  const locale = i18n.resolvedLanguage ?? 'en';
  const absolute = formatAbsolute(date, locale);
  const relative = formatRelative(date, new Date(now), locale) ?? t('time.justNow');
  return (
    <time dateTime={iso} title={absolute}>
      {relative}
    </time>
  );
}
