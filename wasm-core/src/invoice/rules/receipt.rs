//! What a till receipt's total is: the amount paid, checked against what else the
//! receipt prints — the same total on more lines, each VAT rate's part and their sum, the
//! rounding to 5 cents — and flagged where a scan left it in doubt. And its date where
//! the scan garbled it.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::super::date::{DateOrder, ParsedDate, parse_garbled_date};
use super::{
    Candidate, DecimalSeparator, DocLine, LabelledAmount, TOTAL_LABELS, candidates, column_amount,
    is_loose, last_amount_in,
};

/// The step cash totals are rounded to where a receipt prints a rounding adjustment.
const ROUNDING_STEP: Decimal = Decimal::from_parts(5, 0, 0, false, 2);

/// How far a date read with garbled separators is trusted: a value to check.
const GARBLED_DATE_TRUST: f64 = 0.35;

/// The date of sale where the scan garbled its separators ("24 11-17  13:11"), read
/// only from a line that also prints a time (a till prints both together).
pub(super) fn garbled_date(lines: &[DocLine], order: DateOrder) -> Option<(NaiveDate, f64)> {
    lines
        .iter()
        .filter(|l| has_time(&l.text))
        .find_map(|l| parse_garbled_date(&l.text, order).and_then(ParsedDate::exact))
        .map(|d| (d, GARBLED_DATE_TRUST))
}

/// Whether `s` prints a time of day ("13:11", "5:02:54").
fn has_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(4).enumerate().any(|(i, w)| {
        w[0].is_ascii_digit()
            && w[1] == b':'
            && w[2].is_ascii_digit()
            && w[3].is_ascii_digit()
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
    })
}

/// The total a receipt's strongest total label gave (`chosen`), put right or flagged by
/// the checks of this module.
pub(super) fn payable_total(
    lines: &[DocLine],
    chosen: LabelledAmount,
    sep: DecimalSeparator,
) -> LabelledAmount {
    let cands = candidates(lines, TOTAL_LABELS);
    let chosen = misread_total(lines, &cands, chosen, sep);
    let chosen = sum_of_rates(lines, chosen, sep);
    let chosen = rounded_payable(lines, chosen, sep);
    let chosen = paid_in_cash(lines, chosen, sep);
    doubt_below_unread(&cands, chosen, sep)
}

/// On a scanned receipt a total is often misread once ("Rounded Total 9.60" under
/// "Total 9.00"): the total printed on one line only gives way to another total's value
/// printed on more (the item line, "Total incl. GST"), trusted less. Only a total found
/// by a loose label ("Total", what a garbled "Rounded Total" leaves) gives way, or a
/// rounded total that no other total lies within a rounding step of ("Total Amt Rounded
/// 45.90" under "Total Incl. of GST 15.90"); one after "Total payable" stands.
fn misread_total(
    lines: &[DocLine],
    cands: &[Candidate],
    chosen: LabelledAmount,
    sep: DecimalSeparator,
) -> LabelledAmount {
    let rounded = chosen.label.contains("round");
    if !is_loose(chosen.label) && !rounded {
        return chosen;
    }
    let others: Vec<Decimal> = cands
        .iter()
        .filter_map(|c| column_amount(c, TOTAL_LABELS[c.rank], sep).map(|(v, _)| v))
        .filter(|v| *v != chosen.value && *v > Decimal::ZERO)
        .collect();
    let rounded_alone = !others.is_empty()
        && others
            .iter()
            .all(|v| (*v - chosen.value).abs() > ROUNDING_STEP);
    if !is_loose(chosen.label) && !rounded_alone {
        return chosen;
    }
    let printed = |v: Decimal| {
        lines
            .iter()
            .filter(|l| last_amount_in(&l.text, sep) == Some(v))
            .count()
    };
    if printed(chosen.value) > 1 {
        return chosen;
    }
    others
        .into_iter()
        .map(|v| (v, printed(v)))
        .filter(|(_, n)| *n > 1)
        .max_by_key(|(_, n)| *n)
        .map_or(chosen, |(value, _)| {
            LabelledAmount { value, ..chosen }.doubted()
        })
}

/// On a scan, a total read after a weaker label while a stronger one ("Total Payable")
/// is printed with an amount the OCR garbled ("3636 36,") may be one rate's part, not
/// what was paid: flagged for review.
fn doubt_below_unread(
    cands: &[Candidate],
    chosen: LabelledAmount,
    sep: DecimalSeparator,
) -> LabelledAmount {
    let Some(rank) = TOTAL_LABELS.iter().position(|l| *l == chosen.label) else {
        return chosen;
    };
    let unread_above = cands.iter().any(|c| {
        c.rank < rank
            && c.rest.chars().any(|ch| ch.is_ascii_digit())
            && column_amount(c, TOTAL_LABELS[c.rank], sep).is_none()
    });
    if unread_above {
        chosen.doubted()
    } else {
        chosen
    }
}

/// A receipt that lists its total per VAT rate ("Total 0% supplies 50.82", "Total 6%
/// supplies (Inc. GST) 17.81") and prints their sum on a line whose label was not read
/// ("Total" above "Payable: 68.63"): one rate's part gives way to the sum. Without the sum
/// printed, a total that names one rate while another rate has its own is flagged.
fn sum_of_rates(
    lines: &[DocLine],
    chosen: LabelledAmount,
    sep: DecimalSeparator,
) -> LabelledAmount {
    // The rate each "total … N% …" line names, and its amount (the last such line per
    // rate: the amount with the tax, after the one without).
    let mut parts: Vec<(String, Decimal, bool)> = Vec::new();
    for l in lines {
        let (Some(rate), Some(v)) = (rate_named(&l.lower), last_amount_in(&l.text, sep)) else {
            continue;
        };
        if !l.lower.contains("total") || l.lower.contains("excl") {
            continue;
        }
        let is_chosen = v == chosen.value && l.lower.contains(chosen.label);
        match parts.iter_mut().find(|(r, _, _)| *r == rate) {
            Some(p) => *p = (rate, v, p.2 || is_chosen),
            None => parts.push((rate, v, is_chosen)),
        }
    }
    if parts.len() < 2 || !parts.iter().any(|p| p.2) {
        return chosen;
    }
    let sum: Decimal = parts.iter().map(|p| p.1).sum();
    let printed = lines
        .iter()
        .any(|l| rate_named(&l.lower).is_none() && last_amount_in(&l.text, sep) == Some(sum));
    if printed {
        LabelledAmount {
            value: sum,
            ..chosen
        }
    } else {
        chosen.doubted()
    }
}

/// The VAT rate a line names ("6%", "6 %"), as written.
fn rate_named(lower: &str) -> Option<String> {
    let at = lower.find('%')?;
    let digits: String = lower[..at]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    (!digits.is_empty()).then(|| digits.chars().rev().collect())
}

/// A receipt that prints a rounding adjustment ("Rounding 0.02") was paid its total
/// rounded to 5 cents: a total that is not ("Total with GST 6.83") gives way to the
/// rounded one printed after a total or rounding label ("TOTAL 6.85") — anywhere, or
/// below the chosen one where the OCR lost the rounding's label; with a rounding printed
/// but no rounded total read, the nearest 5 cents, flagged. A rounding of 0.00 (a card
/// payment) leaves the total as it is.
fn rounded_payable(
    lines: &[DocLine],
    chosen: LabelledAmount,
    sep: DecimalSeparator,
) -> LabelledAmount {
    let is_rounded = |v: Decimal| (v % ROUNDING_STEP).is_zero();
    if is_rounded(chosen.value) {
        return chosen;
    }
    let rounding_lines: Vec<&DocLine> = lines.iter().filter(|l| names_rounding(&l.lower)).collect();
    let rounds = !rounding_lines.is_empty();
    let adjustments: Vec<Decimal> = rounding_lines
        .iter()
        .filter_map(|l| last_amount_in(&l.text, sep))
        .filter(|v| v.abs() < ROUNDING_STEP)
        .collect();
    if !adjustments.is_empty() && adjustments.iter().all(|v| v.is_zero()) {
        return chosen;
    }
    let chosen_line = lines.iter().rposition(|l| {
        l.lower.contains(chosen.label) && last_amount_in(&l.text, sep) == Some(chosen.value)
    });
    let rounded = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            (rounds && names_rounding(&l.lower))
                || (l.lower.contains("total") && (rounds || chosen_line.is_some_and(|c| *i > c)))
        })
        .filter_map(|(_, l)| last_amount_in(&l.text, sep))
        .find(|v| {
            is_rounded(*v) && *v > Decimal::ZERO && (*v - chosen.value).abs() < ROUNDING_STEP
        });
    match rounded {
        Some(value) => LabelledAmount { value, ..chosen },
        // No rounded total read: the total rounded to the nearest step (what a printed
        // adjustment of at most 2 cents does; a larger one printed is a misreading),
        // flagged.
        None if rounds => LabelledAmount {
            value: (chosen.value / ROUNDING_STEP).round() * ROUNDING_STEP,
            ..chosen
        }
        .doubted(),
        None => chosen,
    }
}

/// Whether a line names a rounding ("Rounding Adj", "Rounded"; not "GROUND FLOOR").
fn names_rounding(lower: &str) -> bool {
    lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w.starts_with("round"))
}

/// What the cash given less the change given back says was paid ("CASH 50.00",
/// "CHANGE 11.00": 39.00), where both are read and the change is the smaller.
fn cash_less_change(lines: &[DocLine], sep: DecimalSeparator) -> Option<Decimal> {
    let last = |keep: &dyn Fn(&str) -> bool| {
        lines
            .iter()
            .rev()
            .filter(|l| keep(l.lower.trim_start()))
            .find_map(|l| last_amount_in(&l.text, sep))
    };
    let cash =
        last(&|l| (l.starts_with("cash") || l.starts_with("tunai")) && !l.contains("change"))?;
    let change = last(&|l| l.contains("change") || l.starts_with("baki"))?;
    (change < cash).then(|| cash - change)
}

/// How far a total worked out from the cash and change is trusted: a value to check.
const CASH_LESS_CHANGE_TRUST: f64 = 0.4;

/// A receipt whose total was not read, or read as nothing ("Grand Total GO ‚00" → 0):
/// the cash given less the change, flagged.
pub(super) fn paid_when_unread(
    lines: &[DocLine],
    chosen: Option<LabelledAmount>,
    sep: DecimalSeparator,
) -> Option<LabelledAmount> {
    if chosen.is_some_and(|c| c.value > Decimal::ZERO) {
        return chosen;
    }
    match cash_less_change(lines, sep) {
        Some(value) if value > Decimal::ZERO => Some(LabelledAmount {
            value,
            trust: CASH_LESS_CHANGE_TRUST,
            label: "cash",
        }),
        _ => chosen,
    }
}

/// Cash given less the change given back is what was paid: a total that is not
/// ("Total 15.96" with "CASH 51.00", "CHANGE 35.10") was misread, or the cash or change
/// was; either way it is flagged.
fn paid_in_cash(
    lines: &[DocLine],
    chosen: LabelledAmount,
    sep: DecimalSeparator,
) -> LabelledAmount {
    match cash_less_change(lines, sep) {
        Some(paid) if (paid - chosen.value).abs() >= ROUNDING_STEP => chosen.doubted(),
        _ => chosen,
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::super::tests::receipt;
    use crate::invoice::InvoiceField;

    #[test]
    fn a_receipts_total_is_what_is_payable_not_one_rates_part() {
        let ex = receipt(
            "Total 0% supplies:        44.76\n\
             Total 6% supplies (excl. GST): 13.30\n\
             GST:                       0.80\n\
             Total 6% supplies (Inc. GST):  14.10\n\
             Total Payable:            58.86",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(5886, 2)));
    }

    #[test]
    fn a_misread_rounded_total_gives_way_to_the_total_printed_twice() {
        let ex = receipt(
            "1.00   15.90     15.90  SR\n\
             Tota Incl. of GST     15.90\n\
             Total Amt Rounded     45.90\n\
             Payment:              50.00",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(1590, 2)));
        assert!(ex.evidence[&InvoiceField::Total] <= 0.5);
    }

    #[test]
    fn a_total_after_a_rates_label_is_flagged_when_the_payable_one_is_unread() {
        let ex = receipt(
            "Total 6% supplies (excl. GST): 12,00\n\
             Total 6% supplies (Inc. GST):  12.72\n\
             Total Payable:               3636 36,",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(1272, 2)));
        assert!(ex.evidence[&InvoiceField::Total] < 0.6, "{:?}", ex.evidence);
        // Read, the payable total is the one taken, as sure as its label.
        let ex = receipt(
            "Total 6% supplies (Inc. GST):  12.72\n\
             Total Payable:                 36.36",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(3636, 2)));
        assert!(ex.evidence[&InvoiceField::Total] >= 0.6);
    }

    #[test]
    fn the_total_is_the_sum_of_the_rates_parts_where_it_is_printed() {
        let ex = receipt(
            "Total 0% supplies:              50.82\n\
             Total 6% supplies (excl. GST):  16.80\n\
             GST:                             1.01\n\
             Total 6% supplies (Inc. GST):   17.81\n\
             Total\n\
             Payable:                        68.63",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(6863, 2)));
        let ex = receipt(
            "Total 0% supplies:              50.82\n\
             Total 6% supplies (Inc. GST):   17.81\n\
             Thank you",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(1781, 2)));
        assert!(
            ex.evidence[&InvoiceField::Total] <= 0.5,
            "one rate's part, flagged"
        );
    }

    #[test]
    fn a_receipts_date_with_garbled_separators_is_read_beside_its_time_and_flagged() {
        let ex = receipt(
            "Total Incl. GST@6%      RM 3.90\n\
             24 11-17  13:11  SHO1  ZT09  T2 000011248",
        );
        assert_eq!(
            ex.invoice.invoice_date.map(|d| d.to_string()).as_deref(),
            Some("2017-11-24")
        );
        assert!(ex.evidence[&InvoiceField::InvoiceDate] < 0.6);
        // Without a time beside them, spaced numbers are not taken for a date.
        let ex = receipt("Total Incl. GST@6%      RM 3.90\nItem 24 11-17 x2");
        assert_eq!(ex.invoice.invoice_date, None);
    }

    #[test]
    fn an_unread_total_is_the_cash_less_the_change_flagged() {
        let ex = receipt(
            "Grand Total GO ‚00\n\
             Cash      RM50.00\n\
             Change      RM11.00",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(3900, 2)));
        assert!(ex.evidence[&InvoiceField::Total] < 0.6);
    }

    #[test]
    fn a_total_that_is_not_cash_less_change_is_flagged() {
        let ex = receipt(
            "Total Sales (Inclusive GST) RM    15.96\n\
             CASH RM    51,00\n\
             CHANGE RM    35,10",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(1596, 2)));
        assert!(ex.evidence[&InvoiceField::Total] <= 0.5);
        let ex = receipt(
            "Total Sales (Inclusive GST) RM    15.90\n\
             CASH RM    51,00\n\
             CHANGE RM    35,10",
        );
        assert!(ex.evidence[&InvoiceField::Total] > 0.5);
    }

    #[test]
    fn a_rounded_receipt_was_paid_its_rounded_total() {
        let ex = receipt(
            "Total with GST @ 6%        6.83\n\
             ROUNDING                   0.02\n\
             TOTAL                      6.85\n\
             Cash                      20.00",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(685, 2)));
        // The rounding's label misread: the rounded total below still stands.
        let ex = receipt(
            "Total with GST @ 6%        6.83\n\
             ROUNCING                   0.02\n\
             TOTAL SAVING: 0.00   TOTAL 6.85",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(685, 2)));
        // No rounded total read: the total rounded to the step, flagged.
        let ex = receipt(
            "Total with GST @ 6%        41.48\n\
             Rounding                    0.02\n\
             Total Saving 0 00   Total   4i 50",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(4150, 2)));
        assert!(ex.evidence[&InvoiceField::Total] <= 0.5);
        // The adjustment misread too (-0.04 for -0.01): still the nearest step.
        let ex = receipt(
            "TOTAL AMOUNT               60,31\n\
             ROUNDING ADJ.              -0,04\n\
             Thank you",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(6030, 2)));
        assert!(ex.evidence[&InvoiceField::Total] <= 0.5);
        // "Ground floor" is no rounding: the total stands.
        let ex = receipt(
            "LOT 3, GROUND FLOOR, JALAN SS 15/4B\n\
             Total 6% supplies (Inc. GST):   60.24\n\
             Thank you",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(6024, 2)));
        // Paid by card: no rounding, the total stands.
        let ex = receipt(
            "Total Sales (inclusive GST)   37.44\n\
             Rounding Adjustment           0.00\n\
             VISA                          37.44",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(3744, 2)));
        assert!(ex.evidence[&InvoiceField::Total] > 0.5);
    }
}
