// A throwaway test CA and a server certificate for localhost / 127.0.0.1, made with openssl at test time
// (no private key is committed). Cached per process run in a temp dir: HYBI_TEST_CERTS reuses one.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function openssl(args, cwd) {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Creates (or reuses) { dir, ca, caPath, key, cert, otherCa } — PEM strings and paths. */
export function testCerts() {
  let dir = process.env.HYBI_TEST_CERTS;
  if (!dir || !existsSync(join(dir, "server.pem"))) {
    dir = dir ?? mkdtempSync(join(tmpdir(), "hybi-certs-"));
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    for (const [name, cn] of [["ca", "hybi test CA"], ["other-ca", "hybi untrusted CA"]]) {
      openssl(["req", "-x509", ...ec, "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=${cn}`,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
    }
    openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
    writeFileSync(join(dir, "ext.cnf"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
    openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"], dir);
    process.env.HYBI_TEST_CERTS = dir;
  }
  const read = (f) => readFileSync(join(dir, f), "utf8");
  return {
    dir,
    ca: read("ca.pem"),
    caPath: join(dir, "ca.pem"),
    otherCa: read("other-ca.pem"),
    key: read("server.key"),
    keyPath: join(dir, "server.key"),
    cert: read("server.pem"),
    certPath: join(dir, "server.pem"),
  };
}
