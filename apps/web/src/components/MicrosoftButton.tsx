import { Loader, UnstyledButton } from '@mantine/core';
import type { ReactNode } from 'react';

/** Microsoft's four-square logo, as Microsoft's sign-in branding guidelines draw it. */
export function MicrosoftLogo({ size = 21 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 21 21" aria-hidden focusable="false">
      <rect x="1" y="1" width="9" height="9" fill="#f25022" />
      <rect x="11" y="1" width="9" height="9" fill="#7fba00" />
      <rect x="1" y="11" width="9" height="9" fill="#00a4ef" />
      <rect x="11" y="11" width="9" height="9" fill="#ffb900" />
    </svg>
  );
}

/** "Sign in with Microsoft" in Microsoft's button style: white, thin grey border, the logo, 15 px text. */
export function MicrosoftButton({
  children,
  onClick,
  loading = false,
  disabled = false,
}: {
  children: ReactNode;
  onClick: () => void;
  loading?: boolean;
  disabled?: boolean;
}) {
  return (
    <UnstyledButton
      className="ms-button"
      onClick={onClick}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
      data-loading={loading || undefined}
    >
      {loading ? <Loader size={18} color="gray" aria-hidden /> : <MicrosoftLogo />}
      <span>{children}</span>
    </UnstyledButton>
  );
}
