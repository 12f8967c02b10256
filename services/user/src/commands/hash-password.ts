// Prints a hash for ADMIN_PASSWORD_HASH; reads the password from standard input so it never lands in shell history.
import { text } from 'node:stream/consumers';
import { PasswordHasher } from '../services/passwords.ts';

const password = (await text(process.stdin)).replace(/\r?\n$/, '');
if (password.length < 8 || password.length > 128) {
  console.error('the password must be 8 to 128 characters');
  process.exit(2);
}
const hasher = new PasswordHasher(Number(process.env.BCRYPT_COST ?? 12), 1);
console.log(await hasher.hash(password));
await hasher.close();
