import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../api/client';

/** A labelled text input of the sign-in forms. */
function Field(props: {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  type?: 'text' | 'email' | 'password';
  autoComplete: string;
  required?: boolean;
}) {
  return (
    <div className="form-row">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? 'text'}
        required={props.required}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete={props.autoComplete}
      />
    </div>
  );
}

/** A card with a title, fields, the error of the last attempt and a submit button. */
function AuthForm(props: {
  title: string;
  intro?: string;
  submitLabel: string;
  action: () => Promise<void>;
  children: ReactNode;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.action();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="centered card">
      <h1>{props.title}</h1>
      {props.intro && <p className="muted">{props.intro}</p>}
      <form onSubmit={(e) => void submit(e)}>
        {props.children}
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        <button className="primary" type="submit" disabled={busy}>
          {props.submitLabel}
        </button>
      </form>
    </main>
  );
}

/** First run: creates the owner account (works only while no user exists). */
export function SetupPage({ onDone }: { onDone: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  return (
    <AuthForm
      title="Welcome to Flowstate"
      intro="Create the owner account. You can invite others later."
      submitLabel="Create owner"
      action={async () => {
        await api('POST', '/setup', { email, password, ...(name ? { name } : {}) });
        await onDone();
      }}
    >
      <Field id="setup-name" label="Name" value={name} onChange={setName} autoComplete="name" />
      <Field
        id="setup-email"
        label="Email"
        type="email"
        required
        value={email}
        onChange={setEmail}
        autoComplete="username"
      />
      <Field
        id="setup-password"
        label="Password"
        type="password"
        required
        value={password}
        onChange={setPassword}
        autoComplete="new-password"
      />
    </AuthForm>
  );
}

/** Sign-in with email and password (a cookie session). */
export function LoginPage({ onDone }: { onDone: () => Promise<void>; from: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  return (
    <AuthForm
      title="Sign in to Flowstate"
      submitLabel="Sign in"
      action={async () => {
        await api('POST', '/auth/login', { email, password });
        await onDone();
      }}
    >
      <Field
        id="login-email"
        label="Email"
        type="email"
        required
        value={email}
        onChange={setEmail}
        autoComplete="username"
      />
      <Field
        id="login-password"
        label="Password"
        type="password"
        required
        value={password}
        onChange={setPassword}
        autoComplete="current-password"
      />
    </AuthForm>
  );
}
