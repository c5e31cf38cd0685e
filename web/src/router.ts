// The site's two pages live at real paths (/ and /location/<id>); the edge answers any path
// without a file extension with index.html, so a reload or a shared link lands on the page.
// Paths (not #fragments) also let a sign-in send the visitor back to the page they were on.

export type Route = { page: 'list' } | { page: 'location'; id: string } | { page: 'not-found'; path: string };

const locationPath = /^\/location\/([a-z0-9][a-z0-9-]{0,63})\/?$/;

export function routeFor(pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'list' };
  const location = locationPath.exec(pathname);
  if (location) return { page: 'location', id: location[1] as string };
  return { page: 'not-found', path: pathname };
}

export function pathFor(route: Route): string {
  switch (route.page) {
    case 'list':
      return '/';
    case 'location':
      return `/location/${encodeURIComponent(route.id)}`;
    case 'not-found':
      return route.path;
  }
}

/**
 * Follows in-site links without a page load: a plain click on a same-origin link to one of our
 * routes. Modified clicks (new tab), downloads, other targets and links elsewhere (the API, the
 * sign-in pages) behave as links always do.
 */
export function interceptLinks(root: HTMLElement, navigate: (path: string) => void): () => void {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== window.location.origin) return;
    if (anchor.pathname === window.location.pathname && anchor.hash) return; // in-page anchor such as the skip link
    if (routeFor(anchor.pathname).page === 'not-found') return;
    event.preventDefault();
    navigate(anchor.pathname);
  };
  root.addEventListener('click', onClick);
  return () => root.removeEventListener('click', onClick);
}
