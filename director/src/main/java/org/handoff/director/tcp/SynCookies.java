package org.handoff.director.tcp;

import org.handoff.protocol.seq.SeqNumber;

/**
 * SYN cookies as Linux makes them (RFC 4987; net/ipv4/syncookies.c), so a SYN flood costs the
 * director no memory while legitimate clients still connect.
 *
 * <pre>
 * ISN = H0(addrs, ports) + client ISN + (minute << 24) + ((H1(addrs, ports, minute) + mssIndex) mod 2^24)
 * </pre>
 *
 * The final ACK carries ISN + 1: subtracting H0 and the client's ISN leaves the minute in the
 * top 8 bits (accepted if at most one minute old) and, after subtracting H1, the MSS index.
 * With timestamps, the SYN-ACK's TSval carries what the ISN has no room for in its low 6 bits
 * (client window shift 0..14 or 15 for none; SACK-permitted) and the client echoes it in
 * TSecr. Without timestamps a cookie connection runs with MSS only: no window scaling, no SACK.
 */
public final class SynCookies {
    /** MSS values a cookie can carry, as Linux's table: the largest not above the client's is used. */
    static final int[] MSS_TABLE = {536, 1300, 1440, 1460};
    private static final int COOKIE_BITS = 24;
    private static final int COOKIE_MASK = (1 << COOKIE_BITS) - 1;
    private static final int MAX_AGE_MINUTES = 2;
    static final int TS_OPTION_BITS = 6;
    static final int TS_OPTION_MASK = (1 << TS_OPTION_BITS) - 1;
    static final int TS_SHIFT_NONE = 0xf;
    static final int TS_SACK = 1 << 4;

    private final long k0;
    private final long k1;

    /** The 128-bit secret; inject a fixed one for deterministic replay. */
    public SynCookies(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    private long hash(int clientAddress, int vipAddress, int clientPort, int vipPort, int minute, int variant) {
        return SipHash.hash3(k0, k1, ((long) clientAddress << 32) | (vipAddress & 0xffffffffL),
                ((long) clientPort << 48) | ((long) vipPort << 32) | (minute & 0xffffffffL), variant);
    }

    /** The index of the largest table MSS not above the client's offer (0 when it offers less than 536). */
    public static int mssIndex(int clientMss) {
        int i = MSS_TABLE.length - 1;
        while (i > 0 && MSS_TABLE[i] > clientMss) {
            i--;
        }
        return i;
    }

    public static int mssOf(int index) {
        return MSS_TABLE[index];
    }

    /** The director's ISN for a cookie SYN-ACK. {@code minute} is a clock in minutes. */
    public int make(int clientAddress, int clientPort, int vipAddress, int vipPort, int clientIsn, int minute, int mssIndex) {
        int h0 = (int) hash(clientAddress, vipAddress, clientPort, vipPort, 0, 0);
        int h1 = (int) hash(clientAddress, vipAddress, clientPort, vipPort, minute, 1);
        return SeqNumber.add(SeqNumber.add(h0, clientIsn), (minute << COOKIE_BITS) + ((h1 + mssIndex) & COOKIE_MASK));
    }

    /**
     * Checks the cookie in a final ACK ({@code ack - 1}) against the client's ISN
     * ({@code seq - 1}). Returns the MSS index, or -1 when the cookie is forged or expired.
     */
    public int check(int clientAddress, int clientPort, int vipAddress, int vipPort, int clientIsn, int cookie, int minute) {
        int h0 = (int) hash(clientAddress, vipAddress, clientPort, vipPort, 0, 0);
        int rest = SeqNumber.sub(SeqNumber.sub(cookie, h0), clientIsn);
        int age = (minute - (rest >>> COOKIE_BITS)) & (0xffffffff >>> COOKIE_BITS);
        if (age >= MAX_AGE_MINUTES) {
            return -1;
        }
        int h1 = (int) hash(clientAddress, vipAddress, clientPort, vipPort, minute - age, 1);
        int index = (rest - h1) & COOKIE_MASK;
        return index < MSS_TABLE.length ? index : -1;
    }

    /**
     * The SYN-ACK TSval carrying the client's options in its low 6 bits, never above the
     * director's clock {@code tsNow} (a TSval from the future would upset the client's RTT).
     */
    public static int timestampWithOptions(int tsNow, int clientShift, boolean sackPermitted) {
        int options = (clientShift < 0 ? TS_SHIFT_NONE : clientShift) | (sackPermitted ? TS_SACK : 0);
        int ts = (tsNow & ~TS_OPTION_MASK) | options;
        if (Integer.compareUnsigned(ts, tsNow) > 0) {
            ts -= TS_OPTION_MASK + 1;
        }
        return ts;
    }

    /** The client's window shift from an echoed cookie TSval, or -1 for none. */
    public static int shiftFromTimestamp(int tsEcr) {
        int shift = tsEcr & 0xf;
        return shift == TS_SHIFT_NONE || shift > 14 ? -1 : shift;
    }

    public static boolean sackFromTimestamp(int tsEcr) {
        return (tsEcr & TS_SACK) != 0;
    }
}
