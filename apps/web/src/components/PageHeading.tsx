import { Title, type TitleProps } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

let firstPage = true;

/**
 * The page's h1. It names the document and, after a client-side navigation, takes the focus so
 * that keyboard and screen-reader users land at the start of the new page.
 */
export function PageHeading({ children, docTitle, ...rest }: TitleProps & { docTitle?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const { t } = useTranslation();
  const text = docTitle ?? (typeof children === 'string' ? children : undefined);
  useEffect(() => {
    document.title = text ? `${text} · ${t('app.name')}` : t('app.name');
  }, [text, t]);
  useEffect(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    // Not when something on the new page already took the focus (a dialog, a field).
    const active = document.activeElement;
    if (active && active !== document.body && active.closest('[role="dialog"], input, textarea')) return;
    ref.current?.focus();
  }, []);
  return (
    <Title order={1} ref={ref} tabIndex={-1} style={{ outline: 'none' }} {...rest}>
      {children}
    </Title>
  );
}
