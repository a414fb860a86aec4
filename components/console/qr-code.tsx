"use client";
// A QR code drawn as inline SVG in the page (no image service, nothing fetched).
import { QRCodeSVG } from "qrcode.react";

export function QrCode({ value, size = 180, label }: { value: string; size?: number; label: string }) {
  return (
    <figure className="qr" data-testid="qr">
      <QRCodeSVG value={value} size={size} marginSize={2} title={label} role="img" aria-label={label} />
    </figure>
  );
}
