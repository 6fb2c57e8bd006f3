import type { ReactNode } from "react";
import { Link, useRoute } from "wouter";

const NAV = [
  ["/", "Dashboard"],
  ["/runs", "Runs"],
  ["/scenarios", "Scenarios"],
  ["/automations", "Automations"],
  ["/schedules", "Schedules"],
  ["/rightsizing", "Rightsizing"],
] as const;

function NavLink({ href, label }: { href: string; label: string }) {
  const [active] = useRoute(href === "/" ? "/" : `${href}/*?`);
  return (
    <Link
      href={href}
      className={active ? "nav-link active" : "nav-link"}
      aria-current={active ? "page" : undefined}
    >
      {label}
    </Link>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          Aurea
        </Link>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <NavLink key={href} href={href} label={label} />
          ))}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}
