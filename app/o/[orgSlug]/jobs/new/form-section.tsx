/** One part of the form: its title and what it is for beside its fields. */
export function Section({ title, description, children }: { title: string; description: string; children: React.ReactNode }) {
  return (
    <div className="grid gap-x-8 gap-y-4 border-b border-zinc-100 px-5 py-6 last:border-b-0 lg:grid-cols-[14rem_minmax(0,1fr)]">
      <div>
        <h3 className="text-sm font-semibold text-zinc-900">{title}</h3>
        <p className="mt-1 text-[13px] text-zinc-500">{description}</p>
      </div>
      <div className="min-w-0 space-y-4">{children}</div>
    </div>
  );
}
