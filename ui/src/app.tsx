/** The shell: top navigation and the page the hash names. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';
import { ComparePage } from './pages/compare.js';
import { ModelsPage } from './pages/models.js';
import { QualityPage } from './pages/quality.js';
import { RunPage } from './pages/run.js';
import { RunsPage } from './pages/runs.js';
import { ServingPage } from './pages/serving.js';
import { useRoute } from './route.js';

interface Info {
  version: string;
  repo: string;
  readOnly: boolean;
  runs: number;
}

const NAV = [
  ['runs', 'Runs'],
  ['models', 'Models'],
  ['quality', 'Data quality'],
  ['serving', 'Serving'],
] as const;

export function App() {
  const route = useRoute();
  const [info, setInfo] = useState<Info | null>(null);
  useEffect(() => {
    getJson<Info>('info').then(setInfo, () => setInfo(null));
  }, []);
  const page = route.parts[0] ?? 'runs';
  const section =
    page === 'compare' || page === 'run' ? 'runs' : page === 'drift' ? 'quality' : page;
  useEffect(() => {
    document.title = `mlo · ${info?.repo ?? ''} · ${page}`;
  }, [page, info]);
  let body;
  switch (page) {
    case 'compare':
      body = <ComparePage route={route} />;
      break;
    case 'run':
      body = <RunPage id={route.parts[1] ?? ''} route={route} />;
      break;
    case 'models':
      body = <ModelsPage route={route} readOnly={info?.readOnly ?? true} />;
      break;
    case 'quality':
    case 'drift':
      body = <QualityPage route={route} />;
      break;
    case 'serving':
      body = <ServingPage route={route} />;
      break;
    default:
      body = <RunsPage route={route} />;
  }
  return (
    <>
      <header class="top">
        <span class="brand">mlo</span>
        <nav aria-label="sections">
          {NAV.map(([id, label]) => (
            <a key={id} href={`#/${id}`} class={section === id ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span class="meta">
          {info ? `${info.repo} · ${info.runs.toLocaleString()} runs · mlo ${info.version}` : ''}
          {info?.readOnly ? ' · read-only' : ''}
        </span>
      </header>
      {body}
    </>
  );
}
