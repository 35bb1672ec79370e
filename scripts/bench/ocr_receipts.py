"""OCR seconds per scanned receipt page: `zonal extract` (render at 300 dpi, orientation
and skew, Tesseract, the rules) against Tesseract alone on the same rendered page, in the
same run.

    python3 scripts/bench/ocr_receipts.py ZONAL SROIE_DIR [N]
"""
import glob, os, subprocess, sys, tempfile, time

zonal, root = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 10
pdfs = sorted(glob.glob(os.path.join(root, "*.pdf")))[:n]
ours, peer = 0.0, 0.0
with tempfile.TemporaryDirectory() as tmp:
    for pdf in pdfs:
        png = os.path.join(tmp, "page.png")
        subprocess.run([zonal, "render", pdf, "--dpi", "300", "-o", png], check=True, capture_output=True)
        t = time.perf_counter()
        # Tesseract at its best here: one OpenMP thread, as the relay runs it.
        subprocess.run(["tesseract", png, "-", "-l", "nld+eng", "--psm", "4", "tsv"], check=True, capture_output=True,
                       env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        peer += time.perf_counter() - t
        t = time.perf_counter()
        subprocess.run([zonal, "extract", pdf], check=True, capture_output=True)
        ours += time.perf_counter() - t
k = max(len(pdfs), 1)
print("| per receipt page | seconds |")
print("| --- | ---: |")
print(f"| zonal extract (render, OCR, rules) | {ours / k:.2f} |")
print(f"| tesseract alone on the rendered page | {peer / k:.2f} |")
print(f"ratio zonal extract / tesseract: {ours / max(peer, 1e-9):.2f} ({k} receipts)")
