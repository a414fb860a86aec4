import bcrypt from "bcryptjs";
import pLimit from "p-limit";
import { getEnv } from "../env";

const cost = () => getEnv().passwordHashCost;

/**
 * bcrypt is deliberately slow CPU work on the event loop: a flood of sign-ins must not starve every
 * other request (health checks, WeChat's pushes). A few checks run at a time; beyond a short queue a
 * check is refused at once as busy.
 */
const checks = pLimit(2);
const MAX_WAITING = 32;

export class PasswordCheckBusy extends Error {
  constructor() {
    super("too many password checks at once");
    this.name = "PasswordCheckBusy";
  }
}

function limited<T>(work: () => Promise<T>): Promise<T> {
  if (checks.pendingCount >= MAX_WAITING) return Promise.reject(new PasswordCheckBusy());
  return checks(work);
}

export const hashPassword = (password: string) => bcrypt.hash(password, cost());

export const verifyPassword = (password: string, hash: string) => limited(() => bcrypt.compare(password, hash));

// Compared against when the email is unknown, so a miss costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;
export const burnPasswordCheck = async (password: string) => {
  dummyHash ??= bcrypt.hash("no account has this password", cost());
  const hash = await dummyHash;
  return limited(() => bcrypt.compare(password, hash));
};
