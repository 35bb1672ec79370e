#!/usr/bin/env python3
"""Writes a PDF of N pages (default 500), each an invoice-like page of text with a ruled
table, for the scale benchmark. usage: make_long_pdf.py OUT.pdf [N]"""
import sys

import pymupdf


def main():
    out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500
    doc = pymupdf.open()
    for i in range(1, n + 1):
        page = doc.new_page(width=595, height=842)
        page.insert_text((56, 70), f"ACME Supplies B.V. — Invoice INV-{i:05d}", fontsize=16)
        page.insert_text((56, 100), f"Invoice date: 2024-03-{(i % 28) + 1:02d}    Page {i} of {n}", fontsize=10)
        y = 140
        for row in range(30):
            page.draw_line((56, y - 12), (539, y - 12), width=0.5)
            page.insert_text((60, y), f"Item {row + 1:02d}  Widget type {(i * row) % 97}", fontsize=9)
            page.insert_text((420, y), f"{(row + 1) * 3}", fontsize=9)
            page.insert_text((480, y), f"{(row + 1) * 12.5:.2f} EUR", fontsize=9)
            y += 20
        page.insert_text((380, y + 20), f"Total: {sum((r + 1) * 12.5 for r in range(30)):.2f} EUR", fontsize=11)
    doc.save(out, garbage=3, deflate=True)


if __name__ == "__main__":
    main()
