import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';

function useSubmit(action: () => Promise<void>) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

/** First run: creates the owner account (works only while no user exists). */
export function SetupPage({ onDone }: { onDone: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, submit } = useSubmit(async () => {
    await api('POST', '/setup', { email, password, ...(name ? { name } : {}) });
    await onDone();
  });
  return (
    <main className="centered card">
      <h1>Welcome to Flowstate</h1>
      <p className="muted">Create the owner account. You can invite others later.</p>
      <form onSubmit={(e) => void submit(e)}>
        <div className="form-row">
          <label htmlFor="setup-name">Name</label>
          <input
            id="setup-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="name"
          />
        </div>
        <div className="form-row">
          <label htmlFor="setup-email">Email</label>
          <input
            id="setup-email"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="username"
          />
        </div>
        <div className="form-row">
          <label htmlFor="setup-password">Password</label>
          <input
            id="setup-password"
            type="password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
          />
        </div>
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        <button className="primary" type="submit" disabled={busy}>
          Create owner
        </button>
      </form>
    </main>
  );
}

/** Sign-in with email and password (a cookie session). */
export function LoginPage({ onDone }: { onDone: () => Promise<void>; from: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, submit } = useSubmit(async () => {
    await api('POST', '/auth/login', { email, password });
    await onDone();
  });
  return (
    <main className="centered card">
      <h1>Sign in to Flowstate</h1>
      <form onSubmit={(e) => void submit(e)}>
        <div className="form-row">
          <label htmlFor="login-email">Email</label>
          <input
            id="login-email"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="username"
          />
        </div>
        <div className="form-row">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            type="password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
          />
        </div>
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        <button className="primary" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
