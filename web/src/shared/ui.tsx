import { useCallback, useEffect, useId, useState, type ReactNode } from 'react';
import { ApiError } from './api.js';

/** Small accessible building blocks every page uses: labelled fields, error notes, loading states. */

export function ErrorNote({ error }: { error: unknown }): ReactNode {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error" role="alert">
      <strong>{message}</strong>
      {api?.hint ? <div className="hint">{api.hint}</div> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }): ReactNode {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** A field's error, linked to its input by `aria-describedby="<id>-error"`. */
function FieldError({ id, error }: { id: string; error: unknown }): ReactNode {
  return error ? (
    <div id={`${id}-error`}>
      <ErrorNote error={error} />
    </div>
  ) : null;
}

export function Field(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  required?: boolean;
  autoComplete?: string;
  error?: unknown;
  help?: ReactNode;
  min?: string;
  placeholder?: string;
}): ReactNode {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete}
        min={props.min}
        placeholder={props.placeholder}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.help ? <div className="help">{props.help}</div> : null}
      <FieldError id={id} error={props.error} />
    </div>
  );
}

/** Multi-line text; `file` offers a file picker (of these types) that reads the file into it; `secret` masks it (a private key). */
export function TextArea(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  error?: unknown;
  help?: ReactNode;
  rows?: number;
  file?: string;
  /** Chromium and Safari honour -webkit-text-security. */
  secret?: boolean;
}): ReactNode {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        rows={props.rows ?? 3}
        className={props.secret ? 'secret' : undefined}
        autoComplete={props.secret ? 'off' : undefined}
        spellCheck={props.secret || props.file ? false : undefined}
        value={props.value}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.file ? (
        <label className="file-pick">
          <span>Or choose a file for “{props.label}”</span>
          <input
            type="file"
            accept={props.file}
            onChange={(e) => {
              const chosen = e.target.files?.[0];
              if (chosen) void chosen.text().then(props.onChange);
            }}
          />
        </label>
      ) : null}
      {props.help ? <div className="help">{props.help}</div> : null}
      <FieldError id={id} error={props.error} />
    </div>
  );
}

export function CheckboxField(props: { label: string; checked: boolean; onChange: (checked: boolean) => void; help?: ReactNode }): ReactNode {
  const id = useId();
  return (
    <div className="field field-check">
      <input id={id} type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} />
      <label htmlFor={id}>{props.label}</label>
      {props.help ? <div className="help">{props.help}</div> : null}
    </div>
  );
}

export function SelectField(props: { label: string; value: string; onChange: (value: string) => void; options: readonly (readonly [string, string])[] }): ReactNode {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function CheckField(props: { label: ReactNode; checked: boolean; onChange: (checked: boolean) => void; error?: unknown }): ReactNode {
  const id = useId();
  return (
    <div className="field check">
      <div>
        <input
          id={id}
          type="checkbox"
          checked={props.checked}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={props.error ? `${id}-error` : undefined}
          onChange={(e) => props.onChange(e.target.checked)}
        />{' '}
        <label htmlFor={id}>{props.label}</label>
      </div>
      <FieldError id={id} error={props.error} />
    </div>
  );
}

/** A page or panel that loads: the loading line, the error with its hint, or the content. */
export function Loaded<T>(props: { state: { data: T | undefined; error: unknown; loading: boolean }; what: string; children: (data: T) => ReactNode }): ReactNode {
  if (props.state.data !== undefined) return props.children(props.state.data);
  if (props.state.error) return <ErrorNote error={props.state.error} />;
  return <Loading what={props.what} />;
}

/** Runs an action, tracking busy and error state for the button that started it. */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>): {
  run: (...args: A) => Promise<T | undefined>;
  busy: boolean;
  error: unknown;
  reset: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(undefined);
      try {
        return await action(...args);
      } catch (e) {
        setError(e);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error, reset: () => setError(undefined) };
}

/** Loads data on mount and whenever `deps` change; `reload` fetches again; `every` polls (ms). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], every?: number): {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
} {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (value) => live && (setData(value), setError(undefined)),
      (e: unknown) => live && setError(e),
    ).finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // `load` is a new closure on every render; the caller's `deps` say when it means something new.
  }, [...deps, tick]);
  useEffect(() => {
    if (!every) return;
    const timer = setInterval(() => setTick((t) => t + 1), every);
    return () => clearInterval(timer);
  }, [every]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}
