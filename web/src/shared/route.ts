import { useEffect, useState } from 'react';

/** Hash routing (`#/operator/requests/12`): the server serves one HTML file per app, so every view's address stays bookmarkable. */
export function useHashRoute(): string[] {
  const read = (): string[] => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const onChange = (): void => setParts(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parts;
}

export function go(...parts: (string | number)[]): void {
  window.location.hash = '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
}
