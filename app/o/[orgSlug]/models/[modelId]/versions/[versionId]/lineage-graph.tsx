'use client';

import { useRouter } from 'next/navigation';
import { clip, HEAD_H, layoutLineage, LINE_H, NODE_W, PAD, type Kind, type LineageData, type LineageNode, type Line } from '@/app/lib/lineage-layout';

const KIND: Record<Kind, { color: string; soft: string }> = {
  dataset: { color: '#0284c7', soft: '#f0f9ff' },
  job: { color: '#d97706', soft: '#fffbeb' },
  run: { color: '#4f46e5', soft: '#eef2ff' },
  source: { color: '#64748b', soft: '#f8fafc' },
  version: { color: '#059669', soft: '#ecfdf5' },
  deployment: { color: '#64748b', soft: '#f8fafc' },
};

const TONE_STYLE: Record<NonNullable<Line['tone']>, { size: number; weight: number; fill: string; family?: string }> = {
  title: { size: 13, weight: 600, fill: '#18181b' },
  body: { size: 12, weight: 400, fill: '#3f3f46' },
  muted: { size: 12, weight: 400, fill: '#71717a' },
  mono: { size: 11.5, weight: 400, fill: '#3f3f46', family: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
  section: { size: 10, weight: 600, fill: '#a1a1aa' },
};

function NodeBox({ node, onNavigate }: { node: LineageNode; onNavigate: (href: string) => void }) {
  const k = KIND[node.kind];
  const body = (
    <g data-testid={`lineage-node-${node.kind}`}>
      <title>{[node.label, ...node.lines.map((l) => l.text)].join('\n')}</title>
      <rect x={node.x} y={node.y} width={NODE_W} height={node.h} rx={10} fill={node.dashed ? '#fafafa' : '#ffffff'} />
      {!node.dashed && (
        <>
          <rect x={node.x} y={node.y} width={NODE_W} height={HEAD_H - 4} rx={10} fill={k.soft} />
          <rect x={node.x} y={node.y + HEAD_H - 14} width={NODE_W} height={10} fill={k.soft} />
        </>
      )}
      <rect
        className="node-border"
        x={node.x}
        y={node.y}
        width={NODE_W}
        height={node.h}
        rx={10}
        fill="none"
        stroke={node.current ? k.color : node.dashed ? '#d4d4d8' : '#e4e4e7'}
        strokeWidth={node.current ? 2 : 1}
        strokeDasharray={node.dashed ? '5 4' : undefined}
      />
      <text x={node.x + PAD} y={node.y + 16} fontSize={10} fontWeight={700} letterSpacing={0.6} fill={node.dashed ? '#a1a1aa' : k.color}>
        {node.label.toUpperCase()}
      </text>
      {node.href && (
        <text x={node.x + NODE_W - PAD} y={node.y + 16} fontSize={10} fontWeight={600} fill={k.color} textAnchor="end">
          Open →
        </text>
      )}
      {node.lines.map((l, i) => {
        const st = TONE_STYLE[l.tone ?? 'body'];
        return (
          <text
            key={i}
            x={node.x + PAD}
            y={node.y + HEAD_H + 8 + i * LINE_H + (l.tone === 'section' ? 2 : 0)}
            fontSize={st.size}
            fontWeight={st.weight}
            fill={st.fill}
            fontFamily={st.family}
            letterSpacing={l.tone === 'section' ? 0.6 : undefined}
          >
            {l.tone === 'section' ? l.text.toUpperCase() : clip(l.text, l.tone)}
          </text>
        );
      })}
    </g>
  );
  if (!node.href) return body;
  const href = node.href;
  return (
    <a
      href={href}
      aria-label={`${node.label} ${node.lines[0]?.text ?? ''}`}
      className="cursor-pointer focus-visible:outline-none [&:focus-visible_.node-border]:stroke-brand-600 [&:hover_.node-border]:stroke-brand-500"
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        onNavigate(href);
      }}
    >
      {body}
    </a>
  );
}

/** Where this version came from and where it goes, as a left-to-right diagram. */
export function LineageGraph({ data, orgSlug }: { data: LineageData; orgSlug: string }) {
  const router = useRouter();
  const { nodes, edges, width, height } = layoutLineage(data, orgSlug);
  return (
    <div className="overflow-x-auto" data-testid="lineage-graph">
      <svg
        role="group"
        aria-label={`Lineage of ${data.model.name} version ${data.version.version}`}
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        className="mx-auto block h-auto max-w-full"
        style={{ minWidth: Math.round(width * 0.72) }}
      >
        <defs>
          <marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0 10 5 0 10z" fill="#a1a1aa" />
          </marker>
        </defs>
        {edges.map(({ from, to, dashed }) => {
          const x1 = from.x + NODE_W;
          const y1 = from.y + from.h / 2;
          const x2 = to.x - 2;
          const y2 = to.y + to.h / 2;
          const dx = (x2 - x1) / 2;
          return (
            <path
              key={`${from.id}-${to.id}`}
              d={`M${x1} ${y1} C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2} ${y2}`}
              fill="none"
              stroke={dashed ? '#d4d4d8' : '#a1a1aa'}
              strokeWidth={1.5}
              strokeDasharray={dashed ? '5 4' : undefined}
              markerEnd="url(#lineage-arrow)"
            />
          );
        })}
        {nodes.map((n) => (
          <NodeBox key={n.id} node={n} onNavigate={(href) => router.push(href)} />
        ))}
      </svg>
    </div>
  );
}
