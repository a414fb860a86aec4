// An account's avatar: WeChat's head_img when it is an http(s) URL, else its first character.
export function Avatar({ src, name, size = 36 }: { src: string | null; name: string | null; size?: number }) {
  const safe = src && /^https?:\/\//.test(src) ? src : null;
  if (!safe) {
    return (
      <span className="avatar avatar-fallback" style={{ width: size, height: size }} aria-hidden="true">
        {(name ?? "?").slice(0, 1)}
      </span>
    );
  }
  // A plain img: next/image would proxy WeChat's CDN through the optimizer, which WeChat's
  // hotlink protection refuses; no-referrer is what WeChat's image hosts accept.
  // eslint-disable-next-line @next/next/no-img-element
  return <img className="avatar" src={safe} alt="" width={size} height={size} loading="lazy" referrerPolicy="no-referrer" />;
}
