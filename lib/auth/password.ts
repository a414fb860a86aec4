import bcrypt from "bcryptjs";
import { getEnv } from "../env";

const cost = () => getEnv().passwordHashCost;

export const hashPassword = (password: string) => bcrypt.hash(password, cost());

export const verifyPassword = (password: string, hash: string) => bcrypt.compare(password, hash);

// Compared against when the email is unknown, so a miss costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;
export const burnPasswordCheck = async (password: string) => {
  dummyHash ??= bcrypt.hash("no account has this password", cost());
  return bcrypt.compare(password, await dummyHash);
};
