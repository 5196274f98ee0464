import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../shared/api.js';
import { CheckboxField, ErrorNote, Field, TextArea } from '../shared/ui.js';
import { taskAction } from './session.js';

/**
 * One action of a task as a form: labelled fields, a button that says what it does and shows
 * that it works, the answer shown beneath, and an API error placed next to the field that caused
 * it (the field the validation message names, the only field, or the one `blame` picks) —
 * otherwise next to the button.
 */
export interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly kind?: 'text' | 'email' | 'url' | 'password' | 'number' | 'pem' | 'check';
  readonly required?: boolean;
  readonly help?: ReactNode;
  readonly initial?: string;
  readonly autoComplete?: string;
  /** For `pem`: offer a file picker that reads the file into the field. */
  readonly file?: boolean;
  /** Holds a secret (a private key, a password in a URL): masked where the browser can, emptied once the action worked. */
  readonly secret?: boolean;
}

export interface ActionFormProps<T> {
  readonly task: string;
  readonly action: string;
  readonly title: string;
  readonly submit: string;
  readonly busy?: string;
  readonly fields?: readonly FieldSpec[];
  readonly description?: ReactNode;
  /** Which field an error belongs to, when the default rules do not know. */
  readonly blame?: (error: ApiError) => string | undefined;
  readonly onDone?: (result: T) => void;
  readonly onStart?: () => void;
  /** Called when the action ended, whether it worked or not. */
  readonly onEnd?: () => void;
  readonly show?: (result: T) => ReactNode;
  readonly disabled?: string;
  /** Extra body fields not typed by the user (e.g. chosen rows). */
  readonly extra?: () => Record<string, unknown>;
}

type Values = Record<string, string | boolean>;

function bodyOf(fields: readonly FieldSpec[], values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    const value = values[f.name];
    if (f.kind === 'check') {
      if (value) body[f.name] = true;
    } else if (typeof value === 'string' && value.trim() !== '') {
      body[f.name] = f.kind === 'number' ? Number(value) : f.kind === 'pem' || f.kind === 'password' ? value : value.trim();
    }
  }
  return body;
}

function blamed(error: unknown, fields: readonly FieldSpec[], values: Values, blame?: (error: ApiError) => string | undefined): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const chosen = blame?.(error);
  if (chosen) return chosen;
  if (error.code === 'REPAT_USAGE') {
    // "invalid request for P5 set: to Invalid input; …" names the body field first.
    const named = fields.find((f) => new RegExp(`(?:: |; )${f.name} `).test(error.message));
    if (named) return named.name;
    // '"not an address" is not an address' quotes what was typed: the field holding it is at fault.
    const quoted = fields.find((f) => typeof values[f.name] === 'string' && values[f.name] !== '' && error.message.includes(`"${String(values[f.name]).trim()}"`));
    if (quoted) return quoted.name;
  }
  const typed = fields.filter((f) => f.kind !== 'check');
  return typed.length === 1 && error.status !== 401 && error.status !== 0 ? typed[0]!.name : undefined;
}

export function ActionForm<T>(props: ActionFormProps<T>): ReactNode {
  const fields = props.fields ?? [];
  const headingId = useId();
  const [values, setValues] = useState<Values>(() => Object.fromEntries(fields.map((f) => [f.name, f.kind === 'check' ? false : f.initial ?? ''])));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<{ value: T } | undefined>(undefined);
  const errorField = blamed(error, fields, values, props.blame);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    props.onStart?.();
    try {
      const answer = await taskAction<T>(props.task, props.action, { ...bodyOf(fields, values), ...props.extra?.() });
      setResult({ value: answer });
      // A secret has done its job once the server has it: it should not stay on the screen.
      setValues((v) => ({ ...v, ...Object.fromEntries(fields.filter((f) => f.secret).map((f) => [f.name, ''])) }));
      props.onDone?.(answer);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      props.onEnd?.();
    }
  };

  const set = (name: string) => (value: string | boolean) => setValues((v) => ({ ...v, [name]: value }));
  return (
    <form className="action" aria-labelledby={headingId} onSubmit={(e) => void submit(e)} noValidate>
      <h3 id={headingId}>{props.title}</h3>
      {props.description ? <div className="help">{props.description}</div> : null}
      {fields.map((f) => {
        const fieldError = errorField === f.name ? error : undefined;
        if (f.kind === 'check') return <CheckboxField key={f.name} label={f.label} checked={values[f.name] === true} onChange={set(f.name)} help={f.help} />;
        if (f.kind === 'pem') return <TextArea key={f.name} label={f.label} rows={4} value={String(values[f.name] ?? '')} onChange={set(f.name)} required={f.required} error={fieldError} help={f.help} file={f.file ? '.pem,.crt,.cer,.key,text/plain' : undefined} secret={f.secret} />;
        return (
          <Field
            key={f.name}
            label={f.label}
            type={f.kind ?? 'text'}
            value={String(values[f.name] ?? '')}
            onChange={set(f.name)}
            required={f.required}
            autoComplete={f.autoComplete ?? 'off'}
            error={fieldError}
            help={f.help}
          />
        );
      })}
      <div className="actions">
        <button type="submit" disabled={busy || props.disabled !== undefined} aria-describedby={props.disabled ? `${headingId}-why` : undefined}>
          {busy ? props.busy ?? 'Working…' : props.submit}
        </button>
        {busy ? <span className="loading" role="status">{props.busy ?? 'Working…'}</span> : null}
      </div>
      {props.disabled ? <p id={`${headingId}-why`} className="warn">{props.disabled}</p> : null}
      {error && !errorField ? <ErrorNote error={error} /> : null}
      {result ? (
        <div className="result" role="status">
          {props.show ? props.show(result.value) : <span className="ok">Done.</span>}
        </div>
      ) : null}
    </form>
  );
}
