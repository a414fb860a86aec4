// The demo component: the credentials that the embedded demo, the WeChat sandbox and the tests share.
// They identify nothing on WeChat's real platform; production sets WECHAT_COMPONENT_* instead.
export const DEMO_COMPONENT = {
  appid: "wxe940405705046cf5",
  appsecret: "630ab66ec1e2f36c38eafc7c1d309a8a",
  token: "ComponentPortalDemoToken",
  encodingAesKey: "Xmod1YMMcfMzfi7Tp3a96Cf8DIEUR67cmRJ1CgCElvv",
} as const;

/** The real WeChat hosts; the demo and the tests point these at the sandbox instead. */
export const WECHAT_HOSTS = {
  api: "https://api.weixin.qq.com",
  mp: "https://mp.weixin.qq.com",
  open: "https://open.weixin.qq.com",
} as const;
