package org.handoff.director.kernel;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.handoff.protocol.wire.Bytes;

/**
 * How the director reaches an agent on the link, read from the kernel's own tables as Katran's
 * control plane does, for the XDP program's {@code director_next_hops} map: the director runs
 * with forwarding off (docs/director-io.md), where {@code bpf_fib_lookup} refuses.
 *
 * <ol>
 *   <li>The route to the agent: {@code /proc/net/route} (the main table), the longest prefix
 *       that is up and not a reject route, the lowest metric among equals. A gateway route's
 *       next hop is the gateway, otherwise the agent itself.</li>
 *   <li>That next hop's neighbour entry: {@code /proc/net/arp}, complete entries only
 *       ({@code ATF_COM}) on the route's device. The director's own UDP traffic to the agent
 *       (HANDOFF, the once-a-second probe) makes the kernel resolve it and keeps it fresh.</li>
 *   <li>The device's index, MTU, MAC and IPv4 address (the outer source): from the kernel through
 *       {@link NetworkInterface} (ioctl on a socket of the calling thread's network namespace;
 *       {@code /sys/class/net} shows the namespace /sys was mounted in, which is another one for
 *       a thread that entered a namespace).</li>
 * </ol>
 * The proc files are read from {@link #procNet} ({@code /proc/thread-self/net}: the calling
 * thread's namespace); tests give text of their own ({@link #resolve(int, String, String, Interfaces)}).
 */
public final class NextHops {
    /** /proc/thread-self/net, not /proc/self/net: a thread in a namespace reads its own namespace's tables. */
    public static final Path PROC_NET = Path.of("/proc/thread-self/net");
    static final int RTF_UP = 0x0001;
    static final int RTF_GATEWAY = 0x0002;
    static final int RTF_REJECT = 0x0200;
    static final int ATF_COM = 0x02;

    /** Where an agent's packets go: the egress device and the frame's addresses. */
    public record NextHop(String device, int ifindex, int mtu, byte[] destMac, byte[] sourceMac, int sourceAddress, int via) {
        /** Whether {@code other} sends the same frames (records compare arrays by identity). */
        public boolean equalsHop(NextHop other) {
            return other != null && ifindex == other.ifindex && mtu == other.mtu && sourceAddress == other.sourceAddress
                    && java.util.Arrays.equals(destMac, other.destMac) && java.util.Arrays.equals(sourceMac, other.sourceMac);
        }

        @Override
        public String toString() {
            return "dev " + device + " (ifindex " + ifindex + ", mtu " + mtu + ") via " + Bytes.ipv4ToString(via) + " "
                    + mac(destMac) + " from " + Bytes.ipv4ToString(sourceAddress) + " " + mac(sourceMac);
        }
    }

    /** A next hop, or why there is none (no route, no complete neighbour entry, no such interface). */
    public record Resolution(NextHop nextHop, String failure) {
        static Resolution failed(String why) {
            return new Resolution(null, why);
        }

        public boolean ok() {
            return nextHop != null;
        }
    }

    /** A network interface as the resolver needs it. */
    public record Interface(int index, int mtu, byte[] mac, List<int[]> ipv4WithPrefix) {}

    /** Looks an interface up by name; null when there is none. */
    @FunctionalInterface
    public interface Interfaces {
        Interface find(String device);

        /** The kernel's view, through {@link NetworkInterface}, in the calling thread's namespace. */
        Interfaces KERNEL = NextHops::kernelInterface;
    }

    private final Path procNet;
    private final Interfaces interfaces;

    public NextHops(Path procNet, Interfaces interfaces) {
        this.procNet = procNet;
        this.interfaces = interfaces;
    }

    /** The kernel's tables of the calling thread's network namespace. */
    public static NextHops kernel() {
        return new NextHops(PROC_NET, Interfaces.KERNEL);
    }

    /** The route and neighbour tables as they are now (read once for a batch of agents). */
    public Tables read() throws IOException {
        return new Tables(Files.readString(procNet.resolve("route"), StandardCharsets.US_ASCII),
                Files.readString(procNet.resolve("arp"), StandardCharsets.US_ASCII));
    }

    /** One reading of /proc/net/route and /proc/net/arp. */
    public record Tables(String route, String arp) {}

    public Resolution resolve(int agentAddress, Tables tables) {
        return resolve(agentAddress, tables.route(), tables.arp(), interfaces);
    }

    /** The next hop to {@code agentAddress} given the text of /proc/net/route and /proc/net/arp. */
    public static Resolution resolve(int agentAddress, String routeText, String arpText, Interfaces interfaces) {
        String device = null;
        int via = 0;
        int bestPrefix = -1;
        long bestMetric = Long.MAX_VALUE;
        String[] lines = routeText.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 8) {
                continue;
            }
            int flags = Integer.parseInt(f[3], 16);
            if ((flags & RTF_UP) == 0) {
                continue;
            }
            int destination = procAddress(f[1]);
            int mask = procAddress(f[7]);
            if ((agentAddress & mask) != destination) {
                continue;
            }
            int prefix = Integer.bitCount(mask);
            long metric = Long.parseLong(f[6]);
            if (prefix > bestPrefix || prefix == bestPrefix && metric < bestMetric) {
                bestPrefix = prefix;
                bestMetric = metric;
                if ((flags & RTF_REJECT) != 0) {
                    device = null; // unreachable, prohibit, blackhole: the longest match refuses
                } else {
                    device = f[0];
                    via = (flags & RTF_GATEWAY) != 0 ? procAddress(f[2]) : agentAddress;
                }
            }
        }
        if (device == null) {
            return Resolution.failed("no route to " + Bytes.ipv4ToString(agentAddress) + " in the main table");
        }
        byte[] destMac = neighbour(arpText, via, device);
        if (destMac == null) {
            return Resolution.failed("no complete neighbour entry for " + Bytes.ipv4ToString(via) + " on " + device);
        }
        Interface dev = interfaces.find(device);
        if (dev == null || dev.mac() == null || dev.mac().length != DirectorNextHop.MAC_LENGTH) {
            return Resolution.failed("interface " + device + " not found, or without an Ethernet address");
        }
        int source = 0;
        for (int[] a : dev.ipv4WithPrefix()) {
            int mask = a[1] == 0 ? 0 : -1 << (32 - a[1]);
            if (source == 0 || (a[0] & mask) == (via & mask)) {
                source = a[0];
                if ((a[0] & mask) == (via & mask)) {
                    break;
                }
            }
        }
        if (source == 0) {
            return Resolution.failed("interface " + device + " has no IPv4 address for the outer source");
        }
        return new Resolution(new NextHop(device, dev.index(), dev.mtu(), destMac, dev.mac(), source, via), null);
    }

    /** The MAC of a complete /proc/net/arp entry for {@code address} on {@code device}, or null. */
    static byte[] neighbour(String arpText, int address, String device) {
        String[] lines = arpText.split("\n");
        String wanted = Bytes.ipv4ToString(address);
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 6 || !f[0].equals(wanted) || !f[5].equals(device)) {
                continue;
            }
            if ((Integer.decode(f[2]) & ATF_COM) == 0) {
                return null;
            }
            return parseMac(f[3]);
        }
        return null;
    }

    /** A /proc/net/route address: the __be32 printed as a host-order hex number. */
    static int procAddress(String hex) {
        int v = Integer.parseUnsignedInt(hex, 16);
        return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? Integer.reverseBytes(v) : v;
    }

    static byte[] parseMac(String text) {
        String[] parts = text.split(":");
        if (parts.length != DirectorNextHop.MAC_LENGTH) {
            return null;
        }
        byte[] mac = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }

    static String mac(byte[] mac) {
        StringBuilder s = new StringBuilder();
        for (byte b : mac) {
            s.append(s.length() == 0 ? "" : ":").append(String.format(Locale.ROOT, "%02x", b & 0xff));
        }
        return s.toString();
    }

    private static Interface kernelInterface(String device) {
        try {
            NetworkInterface n = NetworkInterface.getByName(device);
            if (n == null) {
                return null;
            }
            List<int[]> addresses = new ArrayList<>();
            for (InterfaceAddress a : n.getInterfaceAddresses()) {
                if (a.getAddress() instanceof Inet4Address v4) {
                    addresses.add(new int[] {Bytes.i32(v4.getAddress(), 0), a.getNetworkPrefixLength()});
                }
            }
            return new Interface(n.getIndex(), n.getMTU(), n.getHardwareAddress(), addresses);
        } catch (SocketException e) {
            return null;
        }
    }
}
