// A QR code as inline SVG, rendered on the server (no QR code library in the browser). Fixed
// size, so nothing around it moves when what it encodes changes.
import { QRCodeSVG } from "qrcode.react";
import styles from "./qr-code.module.css";

export const QR_OPTIONS = { level: "M", marginSize: 2 } as const;

export function QrCode({ value, size = 192, label }: { value: string; size?: number; label: string }) {
  return <QRCodeSVG value={value} size={size} {...QR_OPTIONS} className={styles.qr} role="img" aria-label={label} data-qr-value={value} />;
}
