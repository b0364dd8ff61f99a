package org.handoff.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one host:port parser both processes' configs and the director's VIPs use. */
class HostPortTest {
    @Test
    void ipv4AndBracketedIpv6() {
        HostPort v4 = HostPort.parse("198.18.0.11:7070");
        assertTrue(v4.isIpv4());
        assertEquals(7070, v4.port());
        assertEquals("198.18.0.11:7070", v4.toString());
        HostPort v6 = HostPort.parse("[2001:2:0::1]:80");
        assertFalse(v6.isIpv4());
        assertEquals("[2001:2::1]:80", v6.toString(), "shown in the canonical form");
        assertEquals(v6, HostPort.parse("[2001:2::1]:80"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "www.example.com:80|IPv4 a.b.c.d:port or [IPv6]:port",
        "2001:2::1:80|IPv4 a.b.c.d:port or [IPv6]:port",
        "[198.18.0.1]:80|IPv4 a.b.c.d:port or [IPv6]:port",
        "[2001:2::1]80|IPv4 a.b.c.d:port or [IPv6]:port",
        "198.18.1:80|IPv4 a.b.c.d:port or [IPv6]:port",
        "198.18.0.1|host:port with port 1..65535",
        "198.18.0.1:0|host:port with port 1..65535",
        "198.18.0.1:65536|host:port with port 1..65535",
        "198.18.0.1:+80|host:port with port 1..65535",
        "198.18.0.1:|host:port with port 1..65535",
    })
    void badFormsSayWhichPartIsWrong(String text, String expected) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text)).getMessage());
        assertNull(HostPort.parseOrNull(text));
    }
}
