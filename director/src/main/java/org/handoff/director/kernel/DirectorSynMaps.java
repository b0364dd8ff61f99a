package org.handoff.director.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import org.handoff.bpf.BpfMap;
import org.handoff.director.tcp.TcpSettings;

/**
 * Writes what director_xdp's SYN path reads: the served VIP:ports ({@code director_vips}) and
 * the secret and SYN-ACK settings ({@code director_syn_config}). The datapath calls
 * {@link #enable} at start and at each reload with the settings and secret the workers'
 * terminators use, and sets {@link TcpSettings#kernelAnswersSyns()} on them, so the final ACK
 * of a SYN the kernel answered is accepted as a cookie; {@link #disable} hands every SYN back
 * to Java (fallback to the user path). The secret is the director's own, drawn at process
 * start and never rotated (the cookie's minute counter expires it, as in Java): a restarted
 * director writes its new one, and cookies from before the restart fail as they do in Java.
 */
public final class DirectorSynMaps {
    private final BpfMap config;
    private final BpfMap vips;
    private final ByteBuffer configKey = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
    private final DirectorSynConfig value = DirectorSynConfig.allocate();
    private final DirectorVipKey vipKey = DirectorVipKey.allocate();
    private final ByteBuffer vipIndex = ByteBuffer.allocateDirect(DirectorVipKey.VALUE_LENGTH).order(ByteOrder.nativeOrder());

    public DirectorSynMaps(BpfMap config, BpfMap vips) {
        this.config = config;
        this.vips = vips;
        configKey.putInt(0, DirectorSynConfig.KEY);
    }

    /**
     * The program answers SYNs to {@code vipAddresses[i]:vipPorts[i]} from now on, with
     * {@code settings} and the secret; VIP:ports no longer listed are removed first. The VIPs
     * are written before the switch is turned on, so no SYN is answered for a half-written set.
     */
    public void enable(TcpSettings settings, long secret0, long secret1, int[] vipAddresses, int[] vipPorts) {
        if (vipAddresses.length != vipPorts.length || vipAddresses.length > DirectorXdp.VIP_MAX_ENTRIES) {
            throw new IllegalArgumentException("vips: " + vipAddresses.length + " addresses, " + vipPorts.length
                    + " ports (expected: the same count, at most " + DirectorXdp.VIP_MAX_ENTRIES + ")");
        }
        Set<Long> wanted = new HashSet<>();
        for (int i = 0; i < vipAddresses.length; i++) {
            wanted.add(((long) vipAddresses[i] << 16) | vipPorts[i]);
        }
        ByteBuffer stale = ByteBuffer.allocateDirect(DirectorVipKey.LENGTH);
        DirectorVipKey staleKey = new DirectorVipKey().wrap(stale, 0);
        for (byte[] k : vips.keys()) {
            stale.clear();
            stale.put(k).clear();
            if (!wanted.contains(((long) staleKey.address() << 16) | staleKey.port())) {
                vips.delete(stale);
            }
        }
        for (int i = 0; i < vipAddresses.length; i++) {
            vipKey.set(vipAddresses[i], vipPorts[i]);
            vipIndex.putInt(0, i);
            vips.update(vipKey.buffer(), vipIndex);
        }
        value.set(settings, secret0, secret1);
        config.update(configKey, value.buffer());
    }

    /**
     * The secret a previous director left in the pinned config map, if it had turned the SYN
     * path on: a restarted director keeps it, so the cookies the program answered with while no
     * director ran (and just before) still validate. {@code null} when there is none.
     */
    public long[] pinnedSecret() {
        if (!config.lookup(configKey, value.buffer()) || !value.enabled()) {
            return null;
        }
        return new long[] {value.secret0(), value.secret1()};
    }

    /** Every SYN goes to Java again (the program counts them as before: no flow). */
    public void disable() {
        value.clear();
        config.update(configKey, value.buffer());
    }
}
