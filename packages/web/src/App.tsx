import { useCallback, useEffect, useState } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import { api, onUnauthorized } from './api/client';
import type { Me } from './api/types';
import { NotificationBell } from './components/notification-bell';
import { useTheme } from './components/theme';
import { BoardPage } from './crm/board-page';
import { ContactPage } from './crm/contact-page';
import { ContactsPage } from './crm/contacts-page';
import { DashboardPage } from './crm/dashboard-page';
import { TasksPage } from './crm/tasks-page';
import './crm/crm.css';
import { LoginPage, SetupPage } from './pages/auth';
import { EditorPage } from './pages/editor-page';
import { ExecutionDetailPage } from './pages/execution-detail';
import { ExecutionsPage } from './pages/executions';
import { WorkflowsPage } from './pages/workflows';

type Session =
  | { state: 'loading' }
  | { state: 'setup' }
  | { state: 'anonymous' }
  | { state: 'signed-in'; me: Me };

/** The app: first-run setup, sign-in, then the workflow list, editor, executions and CRM. */
export function App() {
  const [session, setSession] = useState<Session>({ state: 'loading' });
  const [theme, toggleTheme] = useTheme();
  const navigate = useNavigate();
  const location = useLocation();

  const refresh = useCallback(async () => {
    try {
      const me = await api<Me>('GET', '/auth/me');
      setSession({ state: 'signed-in', me });
    } catch {
      const setup = await api<{ needed: boolean }>('GET', '/setup').catch(() => ({
        needed: false,
      }));
      setSession({ state: setup.needed ? 'setup' : 'anonymous' });
    }
  }, []);

  useEffect(() => {
    void refresh();
    return onUnauthorized(() =>
      setSession((current) => (current.state === 'signed-in' ? { state: 'anonymous' } : current)),
    );
  }, [refresh]);

  if (session.state === 'loading') return <div className="page muted">Loading…</div>;
  if (session.state === 'setup') return <SetupPage onDone={refresh} />;
  if (session.state === 'anonymous') return <LoginPage onDone={refresh} from={location.pathname} />;

  const canEdit = session.me.role !== 'viewer';
  const logout = async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    setSession({ state: 'anonymous' });
    void navigate('/');
  };

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Flowstate</span>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Workflows
          </NavLink>
          <NavLink to="/executions">Executions</NavLink>
          <NavLink to="/crm/contacts">Contacts</NavLink>
          <NavLink to="/crm/board">Deals board</NavLink>
          <NavLink to="/crm/tasks">Tasks</NavLink>
          <NavLink to="/crm" end>
            Dashboard
          </NavLink>
        </nav>
        <NotificationBell />
        <button
          type="button"
          onClick={toggleTheme}
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
        >
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
        <span className="muted" aria-label="Signed in as">
          {session.me.user.email} ({session.me.role})
        </span>
        <button type="button" onClick={() => void logout()}>
          Sign out
        </button>
      </header>
      <Routes>
        <Route path="/" element={<WorkflowsPage role={session.me.role} />} />
        <Route path="/workflows/:id" element={<EditorPage role={session.me.role} />} />
        <Route path="/executions" element={<ExecutionsPage />} />
        <Route path="/executions/:id" element={<ExecutionDetailPage role={session.me.role} />} />
        <Route path="/crm" element={<DashboardPage />} />
        <Route path="/crm/contacts" element={<ContactsPage canEdit={canEdit} />} />
        <Route path="/crm/contacts/:id" element={<ContactPage canEdit={canEdit} />} />
        <Route path="/crm/board" element={<BoardPage canEdit={canEdit} />} />
        <Route
          path="/crm/tasks"
          element={<TasksPage userId={session.me.user.id} canEdit={canEdit} />}
        />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </div>
  );
}
