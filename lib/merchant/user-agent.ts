// WeChat's in-app browser (phones, and WeChat for Windows/Mac) says MicroMessenger in its user agent.
export function isWeChatBrowser(userAgent: string | null | undefined): boolean {
  return !!userAgent && /MicroMessenger/i.test(userAgent);
}

/** Phones and tablets that say so; iPadOS Safari says Macintosh and counts as a desktop. */
export function isMobileBrowser(userAgent: string | null | undefined): boolean {
  return !!userAgent && /Mobi|Android|iPhone|iPad|iPod|HarmonyOS|Windows Phone/i.test(userAgent);
}
