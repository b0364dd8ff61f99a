package org.handoff.cli.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Numbers printed as C's {@code printf} prints them ({@code %.Nf}, {@code %+.Nf}, {@code %.Ng}),
 * for the bench summary, whose tables and plot data have always been C-formatted (the summary
 * was an awk program before): the same raw.tsv gives the same summary.md byte for byte.
 *
 * <p>Java's {@link java.util.Formatter} differs from C in two ways that show in these tables:
 * it rounds the shortest decimal form half-up ({@code %.1f} of 0.15 is "0.2"; C rounds the exact
 * binary value, 0.1499..., to "0.1"), and its {@code %g} never drops trailing zeros. Here every
 * value is rounded from its exact binary value, half-even, as glibc does.
 */
final class CNumbers {
    private CNumbers() {
    }

    /** {@code %.Nf}. */
    static String fixed(double v, int decimals) {
        return sign(v, false) + new BigDecimal(Math.abs(v)).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** {@code %+.Nf}: a sign always, "-0" for a small negative value as C prints it. */
    static String signedFixed(double v, int decimals) {
        return sign(v, true) + new BigDecimal(Math.abs(v)).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** {@code %.Pg} (P significant digits, trailing zeros dropped; {@code %g} is P = 6). */
    static String general(double v, int precision) {
        if (v == 0) {
            return sign(v, false) + "0";
        }
        BigDecimal rounded = new BigDecimal(Math.abs(v)).round(new MathContext(precision, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        String text;
        if (exponent >= -4 && exponent < precision) {
            text = stripZeros(rounded.setScale(precision - 1 - exponent, RoundingMode.HALF_EVEN).toPlainString());
        } else {
            String mantissa = stripZeros(rounded.movePointLeft(exponent).setScale(precision - 1, RoundingMode.HALF_EVEN)
                    .toPlainString());
            text = mantissa + (exponent < 0 ? "e-" : "e+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
        }
        return sign(v, false) + text;
    }

    /**
     * A number as awk turns it into text: an integral value as an integer, any other with
     * {@code %.12g} (the summary's CONVFMT). Used for the plot data.
     */
    static String awk(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return general(v, 12);
    }

    /** {@code v} kept to 12 significant digits, as awk kept every per-run figure (CONVFMT {@code %.12g}). */
    static double round12(double v) {
        return Double.parseDouble(general(v, 12));
    }

    private static String sign(double v, boolean plus) {
        boolean negative = v < 0 || (v == 0 && 1 / v < 0);
        return negative ? "-" : plus ? "+" : "";
    }

    private static String stripZeros(String plain) {
        if (plain.indexOf('.') < 0) {
            return plain;
        }
        int end = plain.length();
        while (plain.charAt(end - 1) == '0') {
            end--;
        }
        if (plain.charAt(end - 1) == '.') {
            end--;
        }
        return plain.substring(0, end);
    }
}
