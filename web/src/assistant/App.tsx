import { useEffect, useState, type ReactNode } from 'react';
import type { ApiError } from '../shared/api.js';
import { useHashRoute } from '../shared/route.js';
import { AdminSignIn } from './AdminSignIn.js';
import { Checklist } from './Checklist.js';
import { ResetPassword } from './ResetPassword.js';
import { onTokenRefused, savedToken, saveToken } from './session.js';
import { UserSignIn } from './UserSignIn.js';

/**
 * The on-premise assistant: the administrator's checklist of the steps after the restore
 * (P1–P11, R5) behind the administrator token, and the users' own pages of the installation —
 * `#/reset/<token>` (the mailed reset link) and `#/sign-in`.
 */
export function AssistantApp(): ReactNode {
  const [area, param] = useHashRoute();
  const [token, setToken] = useState(savedToken);
  const [refused, setRefused] = useState<ApiError | undefined>(undefined);
  useEffect(
    () =>
      onTokenRefused((error) => {
        saveToken(undefined);
        setToken(undefined);
        setRefused(error);
      }),
    [],
  );
  const admin = area !== 'reset' && area !== 'sign-in';
  return (
    <>
      <header className="top">
        <strong>repatriate</strong>
        <span>{admin ? 'On-premise assistant' : 'Your intranet'}</span>
        <nav aria-label="Pages">
          {admin ? <a href="#/" aria-current="page">Checklist</a> : null}
          <a href="#/sign-in" aria-current={area === 'sign-in' ? 'page' : undefined}>{admin ? 'User sign-in' : 'Sign in'}</a>
          {admin && token ? (
            <button
              type="button"
              className="link on-dark"
              onClick={() => {
                saveToken(undefined);
                setToken(undefined);
                setRefused(undefined);
              }}
            >
              Sign out
            </button>
          ) : null}
        </nav>
      </header>
      <main>
        {area === 'reset' && param ? (
          <ResetPassword key={param} token={param} />
        ) : area === 'sign-in' ? (
          <UserSignIn key={param ?? ''} {...(param ? { login: param } : {})} />
        ) : token ? (
          <Checklist />
        ) : (
          <AdminSignIn
            refused={refused}
            onSignedIn={(t) => {
              saveToken(t);
              setRefused(undefined);
              setToken(t);
            }}
          />
        )}
      </main>
    </>
  );
}
