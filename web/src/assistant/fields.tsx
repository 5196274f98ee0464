import { useId, type ReactNode } from 'react';
import { ErrorNote } from '../shared/ui.js';

/**
 * The assistant's form fields beside the shared text Field: multi-line text (PEM) with an
 * optional file picker that reads the file into it, and a checkbox. Each is labelled and carries
 * its own error, so an API error lands next to the field that caused it.
 */
export function TextAreaField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  error?: unknown;
  help?: ReactNode;
  /** Offer "choose a file" that fills the text (certificate upload). */
  file?: boolean;
  /** Mask the text (a private key): Chromium and Safari honour -webkit-text-security. */
  secret?: boolean;
}): ReactNode {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        rows={4}
        className={props.secret ? 'secret' : undefined}
        autoComplete="off"
        value={props.value}
        required={props.required}
        spellCheck={false}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.file ? (
        <label className="file-pick">
          <span>Or choose a file for “{props.label}”</span>
          <input
            type="file"
            accept=".pem,.crt,.cer,.key,text/plain"
            onChange={(e) => {
              const chosen = e.target.files?.[0];
              if (chosen) void chosen.text().then(props.onChange);
            }}
          />
        </label>
      ) : null}
      {props.help ? <div className="help">{props.help}</div> : null}
      {props.error ? (
        <div id={`${id}-error`}>
          <ErrorNote error={props.error} />
        </div>
      ) : null}
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
