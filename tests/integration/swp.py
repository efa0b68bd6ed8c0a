"""switchd's control protocol, version 3 (docs/protocol.md), for the integration tests.

Standard library only. Encoding:

    swp.msg(swp.PORT_DEL, 7, [swp.string(swp.A_PORT_NAME, "tap0")])
    swp.msg(swp.SET, 8, [swp.u32(swp.A_SET_KEY, 1), swp.u64(swp.A_SET_VALUE, 60)])

An attribute is a (number, payload bytes) pair, or bytes already encoded (to send
one malformed on purpose: swp.raw_attr). swp.port_req, swp.mac_req and swp.set_req
build whole requests as switchctl does, leaving out zero and empty fields.

Decoding: swp.recv_msg(sock) reads one whole message (None at a clean EOF) into a
Msg: .type, .seq, .version, .len, .attrs ({number: payload}, the last of a number
wins) and accessors (.u32(n), .str(n), .nested(n), ...; an absent attribute reads
as 0 or ""). swp.fields(m) names them by the message's schema, checking the size
of every attribute it knows, as switchd's own decoder does.
"""
import errno
import socket
import struct

VERSION = 3
# struct nlmsghdr (len, type, flags, seq, pid), then the family header: version, 3 reserved bytes.
HDR = struct.Struct("=IHHIIB3x")
NLA = struct.Struct("=HH")  # nla_len (header included), nla_type
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000
NLA_TYPE_MASK = 0x3FFF
MSG_MAX = 128 << 10  # SWP_MSG_MAX
ALIGN = 4  # SWP_ALIGN: every message's length is a multiple of it (senders pad the last attribute)
NAME_MAX, PATH_MAX, ERR_MAX, REASON_MAX = 16, 108, 128, 64  # string fields, NUL included

# Requests, then replies.
(PORT_ADD, PORT_DEL, PORT_SHOW, MAC_SHOW, MAC_FLUSH, STATUS, SET, MONITOR, PORT_CLEAR, PORT_SET, MAC_ADD,
 MAC_DEL) = range(16, 28)
CAPTURE, MIRROR_ADD, MIRROR_DEL, MIRROR_SHOW, TRACE = 28, 29, 30, 31, 32
PORT_REMOTE_ADD, PORT_REMOTE_DEL = 33, 34  # a vxlan port's flood list (A_PORT_REMOTES: one address)
DONE, PORT_INFO, MAC_ENTRY, STATUS_INFO, EVENT = range(100, 105)
CAPTURE_FRAME, MIRROR_INFO, TRACE_STEP, CAPTURE_END = 105, 106, 107, 108
REQUESTS = (PORT_ADD, PORT_DEL, PORT_SHOW, MAC_SHOW, MAC_FLUSH, STATUS, SET, MONITOR, PORT_CLEAR, PORT_SET,
            MAC_ADD, MAC_DEL, CAPTURE, MIRROR_ADD, MIRROR_DEL, MIRROR_SHOW, TRACE, PORT_REMOTE_ADD,
            PORT_REMOTE_DEL)
REPLIES = (DONE, PORT_INFO, MAC_ENTRY, STATUS_INFO, EVENT, CAPTURE_FRAME, MIRROR_INFO, TRACE_STEP, CAPTURE_END)

# Attribute numbers, by object (enum swp_*_attr).
(A_PORT_NAME, A_PORT_TYPE, A_PORT_FLAGS, A_PORT_PEER, A_PORT_NETNS, A_PORT_STATE, A_PORT_IFINDEX,
 A_PORT_MTU, A_PORT_MACS, A_PORT_CREATED, A_PORT_BLOCKED, A_PORT_COUNTERS, A_PORT_SET_KEY, A_PORT_SET_VALUE,
 A_PORT_SETTINGS, A_PORT_ORIGIN, A_PORT_VLAN_MODE, A_PORT_VLAN_VID, A_PORT_VLANS, A_PORT_PATH) = range(1, 21)
A_PORT_UID, A_PORT_GID, A_PORT_MODE, A_PORT_PEER_PATH = range(21, 25)
A_PORT_VNI, A_PORT_REMOTES, A_PORT_LOCAL, A_PORT_DSTPORT, A_PORT_GROUP, A_PORT_DEV = range(25, 31)
ADDR_MAX, REMOTES_LEN = 46, 16 * 46  # SWP_ADDR_MAX, SWP_REMOTES_LEN (NUL included)
VLAN_TRUNK, VLAN_ACCESS, VLAN_TUNNEL = 0, 1, 2  # A_PORT_VLAN_MODE
A_MAC_PORT, A_MAC_ADDR, A_MAC_VLAN, A_MAC_AGE, A_MAC_STATIC, A_MAC_FLAGS, A_MAC_REMOTE = range(1, 8)
A_SET_KEY, A_SET_VALUE = 1, 2
(A_STATUS_VERSION, A_STATUS_UPTIME, A_STATUS_PORTS, A_STATUS_MACS, A_STATUS_LEARNED, A_STATUS_MOVED,
 A_STATUS_EVICTED, A_STATUS_AGED, A_STATUS_SETTINGS) = range(1, 10)
(A_EV_KIND, A_EV_TIME_MS, A_EV_MAC, A_EV_VLAN, A_EV_COUNT, A_EV_PORT, A_EV_OLD_PORT,
 A_EV_REASON, A_EV_SETTING, A_EV_VALUE, A_EV_STATIC, A_EV_MIRROR) = range(1, 13)
A_MIRROR_NAME, A_MIRROR_FROM, A_MIRROR_DIR, A_MIRROR_TO, A_MIRROR_PACKETS, A_MIRROR_ORIGIN = range(1, 7)
MIRROR_NAME_MAX, MIRROR_FROM_MAX = 32, 256
MIRROR_IN, MIRROR_OUT = 1, 2  # A_MIRROR_DIR bits; 0 in a request: both
(A_TRACE_PORT, A_TRACE_SRC, A_TRACE_DST, A_TRACE_FLAGS, A_TRACE_VLAN, A_TRACE_TYPE, A_TRACE_STAGE,
 A_TRACE_RESULT, A_TRACE_DETAIL, A_TRACE_DROP) = range(1, 11)
TRACE_F_SRC, TRACE_F_VLAN = 1, 2
(A_CAP_PORTS, A_CAP_DIRS, A_CAP_SNAPLEN, A_CAP_COUNT, A_CAP_KIND, A_CAP_PORT, A_CAP_DIR, A_CAP_TIME_NS,
 A_CAP_LEN, A_CAP_CAPTURED, A_CAP_DROPPED, A_CAP_REASON, A_CAP_FILTER, A_CAP_DATA) = range(1, 15)
CAP_DIR_IN, CAP_DIR_OUT = 1, 2
A_DONE_STATUS, A_DONE_COUNT, A_DONE_MSG = 1, 2, 3

PORT_F_NETNS_FD = 1
MAC_F_VLAN = 1  # SWP_MAC_F_VLAN: mac show and flush of that VLAN only
PORT_AUTO, PORT_TAP, PORT_AFPACKET, PORT_STREAM, PORT_DGRAM, PORT_VXLAN = 0, 1, 2, 3, 4, 5
# Inside A_PORT_COUNTERS, counter i is attribute i + 1 (swp_counter_name()).
COUNTERS = ("rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_dropped", "tx_dropped",
            "rx_drop_bad_src", "rx_drop_runt", "rx_drop_filtered", "rx_drop_error", "tx_drop_mtu",
            "tx_drop_busy", "tx_drop_error", "rx_drop_link_local", "rx_drop_storm", "rx_drop_blocked",
            "rx_drop_mac_limit", "rx_drop_static", "rx_drop_isolated", "rx_drop_vlan", "tx_drop_gso",
            "rx_drop_mirror")
# Port settings (PORT_SET's key, inside A_PORT_SETTINGS), by enum swp_port_setting_key: (name, max).
PORT_SETTINGS = {1: ("learning", 1), 2: ("flood", 1), 3: ("isolated", 1), 4: ("max-macs", 1 << 24),
                 5: ("storm-broadcast", 10000000), 6: ("storm-multicast", 10000000), 7: ("storm-unknown", 10000000)}
PSET_VLAN = 8  # PORT_SET's key for a VLAN mode (A_PORT_VLAN_MODE, _VID, _VLANS)
# Inside A_STATUS_SETTINGS (and SET's key), by enum swp_setting_key.
SETTINGS = {1: "ageing", 2: "max-macs", 3: "flap-moves", 4: "flap-hold", 5: "storm-broadcast",
            6: "storm-multicast", 7: "storm-unknown", 8: "spin-us"}
EVENTS = {1: "port_added", 2: "port_removed", 3: "port_up", 4: "port_down", 5: "port_blocked",
          6: "port_unblocked", 7: "mac_learned", 8: "mac_moved", 9: "mac_aged", 10: "mac_evicted",
          11: "mac_flushed", 12: "events_lost", 13: "port_changed", 14: "mac_added", 15: "mac_deleted",
          16: "mirror_removed"}

# What each attribute carries, by object: number -> (name, kind, bound): a string's size with
# its NUL, or the names of a nested attribute's u64s (attribute i + 1 is names[i]).
_PORT = {A_PORT_NAME: ("name", "str", NAME_MAX), A_PORT_TYPE: ("type", "u32", 0),
         A_PORT_FLAGS: ("flags", "u32", 0), A_PORT_PEER: ("peer", "str", NAME_MAX),
         A_PORT_NETNS: ("netns", "str", PATH_MAX), A_PORT_STATE: ("state", "u32", 0),
         A_PORT_IFINDEX: ("ifindex", "s32", 0), A_PORT_MTU: ("mtu", "u32", 0),
         A_PORT_MACS: ("macs", "u32", 0), A_PORT_CREATED: ("created", "u32", 0),
         A_PORT_BLOCKED: ("blocked", "u32", 0), A_PORT_COUNTERS: ("counters", "u64s", COUNTERS),
         A_PORT_SETTINGS: ("settings", "u64s", tuple(PORT_SETTINGS[k][0] for k in sorted(PORT_SETTINGS))),
         A_PORT_ORIGIN: ("origin", "u32", 0),
         A_PORT_VLAN_MODE: ("vlan_mode", "u32", 0), A_PORT_VLAN_VID: ("vlan_vid", "u32", 0),
         A_PORT_VLANS: ("vlans", "u64s", tuple("w%d" % i for i in range(64))),
         A_PORT_PATH: ("path", "str", PATH_MAX), A_PORT_UID: ("uid", "u32", 0), A_PORT_GID: ("gid", "u32", 0),
         A_PORT_MODE: ("mode", "u32", 0), A_PORT_PEER_PATH: ("peer_path", "str", PATH_MAX),
         A_PORT_VNI: ("vni", "u32", 0), A_PORT_REMOTES: ("remotes", "str", REMOTES_LEN),
         A_PORT_LOCAL: ("local", "str", ADDR_MAX), A_PORT_DSTPORT: ("dstport", "u32", 0),
         A_PORT_GROUP: ("group", "str", ADDR_MAX), A_PORT_DEV: ("dev", "str", NAME_MAX)}
_PORT_SET = {A_PORT_NAME: ("name", "str", NAME_MAX), A_PORT_SET_KEY: ("key", "u32", 0),
             A_PORT_SET_VALUE: ("value", "u64", 0), A_PORT_VLAN_MODE: ("vlan_mode", "u32", 0),
             A_PORT_VLAN_VID: ("vlan_vid", "u32", 0), A_PORT_VLANS: ("vlans", "u64s", tuple("w%d" % i for i in range(64)))}
_MAC = {A_MAC_PORT: ("port", "str", NAME_MAX), A_MAC_ADDR: ("mac", "mac", 0),
        A_MAC_VLAN: ("vlan", "u16", 0), A_MAC_AGE: ("age", "u32", 0), A_MAC_STATIC: ("static", "u32", 0),
        A_MAC_FLAGS: ("flags", "u32", 0), A_MAC_REMOTE: ("remote", "str", ADDR_MAX)}
_SET = {A_SET_KEY: ("key", "u32", 0), A_SET_VALUE: ("value", "u64", 0)}
_STATUS = {A_STATUS_VERSION: ("version", "str", 16), A_STATUS_UPTIME: ("uptime", "u64", 0),
           A_STATUS_PORTS: ("ports", "u32", 0), A_STATUS_MACS: ("macs", "u32", 0),
           A_STATUS_LEARNED: ("learned", "u64", 0), A_STATUS_MOVED: ("moved", "u64", 0),
           A_STATUS_EVICTED: ("evicted", "u64", 0), A_STATUS_AGED: ("aged", "u64", 0),
           A_STATUS_SETTINGS: ("settings", "u64s", tuple(SETTINGS[k] for k in sorted(SETTINGS)))}
_EVENT = {A_EV_KIND: ("kind", "u32", 0), A_EV_TIME_MS: ("time_ms", "u64", 0), A_EV_MAC: ("mac", "mac", 0),
          A_EV_VLAN: ("vlan", "u16", 0), A_EV_COUNT: ("count", "u64", 0),
          A_EV_PORT: ("port", "str", NAME_MAX), A_EV_OLD_PORT: ("old_port", "str", NAME_MAX),
          A_EV_REASON: ("reason", "str", REASON_MAX), A_EV_SETTING: ("setting", "str", 32),
          A_EV_VALUE: ("value", "str", 64), A_EV_STATIC: ("static", "u32", 0),
          A_EV_MIRROR: ("mirror", "str", MIRROR_NAME_MAX)}
_MIRROR = {A_MIRROR_NAME: ("name", "str", MIRROR_NAME_MAX), A_MIRROR_FROM: ("from", "str", MIRROR_FROM_MAX),
           A_MIRROR_DIR: ("dir", "u32", 0), A_MIRROR_TO: ("to", "str", NAME_MAX),
           A_MIRROR_PACKETS: ("packets", "u64", 0), A_MIRROR_ORIGIN: ("origin", "u32", 0)}
_DONE = {A_DONE_STATUS: ("status", "s32", 0), A_DONE_COUNT: ("count", "u32", 0),
         A_DONE_MSG: ("msg", "str", ERR_MAX)}
SCHEMA = {PORT_ADD: _PORT, PORT_DEL: _PORT, PORT_SHOW: _PORT, PORT_CLEAR: _PORT, MAC_SHOW: _MAC, MAC_FLUSH: _MAC,
          PORT_REMOTE_ADD: _PORT, PORT_REMOTE_DEL: _PORT,
          STATUS: {}, SET: _SET, MONITOR: {}, DONE: _DONE, PORT_INFO: _PORT, MAC_ENTRY: _MAC,
          STATUS_INFO: _STATUS, EVENT: _EVENT, PORT_SET: _PORT_SET, MAC_ADD: _MAC, MAC_DEL: _MAC,
          MIRROR_ADD: _MIRROR, MIRROR_DEL: _MIRROR, MIRROR_SHOW: _MIRROR, MIRROR_INFO: _MIRROR,
          TRACE: {A_TRACE_PORT: ("port", "str", NAME_MAX), A_TRACE_SRC: ("src", "mac", 0),
                  A_TRACE_DST: ("dst", "mac", 0), A_TRACE_FLAGS: ("flags", "u32", 0),
                  A_TRACE_VLAN: ("vlan", "u16", 0), A_TRACE_TYPE: ("type", "u16", 0)},
          TRACE_STEP: {A_TRACE_STAGE: ("stage", "u32", 0), A_TRACE_RESULT: ("result", "str", 32),
                       A_TRACE_PORT: ("port", "str", NAME_MAX), A_TRACE_VLAN: ("vlan", "u16", 0),
                       A_TRACE_DROP: ("drop", "u32", 0), A_TRACE_DETAIL: ("detail", "str", ERR_MAX)}}
_FIXED = {"u16": "=H", "u32": "=I", "s32": "=i", "u64": "=Q"}


class ProtocolError(Exception):
    """A message that docs/protocol.md says is malformed."""


class Closed(ProtocolError):
    """The connection ended inside a message."""


# ---- encoding ----

def _bytes(s):
    return s.encode() if isinstance(s, str) else bytes(s)


def pad(n):
    """n rounded up to netlink's 4-byte alignment."""
    return (n + 3) & ~3


def attr(num, payload):
    """One attribute: header, payload, padding to 4 bytes."""
    payload = bytes(payload)
    return NLA.pack(NLA.size + len(payload), num) + payload + b"\0" * (pad(len(payload)) - len(payload))


def raw_attr(num, payload, nla_len=None, padding=True):
    """An attribute whose nla_len says what it is told (malformed on purpose), optionally unpadded."""
    payload = bytes(payload)
    out = NLA.pack(NLA.size + len(payload) if nla_len is None else nla_len, num) + payload
    return out + b"\0" * (pad(len(out)) - len(out)) if padding else out


def u16(num, v):
    return (num, struct.pack("=H", v))


def u32(num, v):
    return (num, struct.pack("=I", v))


def s32(num, v):
    return (num, struct.pack("=i", v))


def u64(num, v):
    return (num, struct.pack("=Q", v))


def string(num, s):
    """A string attribute: the bytes and their NUL."""
    return (num, _bytes(s) + b"\0")


def mac(num, addr):
    return (num, bytes(addr))


def nested(num, items):
    """Attributes inside one, flagged NLA_F_NESTED as libmnl's nest_start does (receivers mask it)."""
    return (num | NLA_F_NESTED, encode_attrs(items))


def encode_attrs(items):
    return b"".join(i if isinstance(i, (bytes, bytearray)) else attr(*i) for i in items)


def header(typ, seq, length, version=VERSION, flags=0, pid=0):
    return HDR.pack(length, typ, flags, seq, pid, version)


def msg(typ, seq, attrs=(), version=VERSION, length=None, tail=b""):
    """A whole message: header and attributes, then tail (raw bytes, counted in the length).
    length overrides the header's len field (a lie, on purpose)."""
    body = encode_attrs(attrs) + bytes(tail)
    return header(typ, seq, HDR.size + len(body) if length is None else length, version) + body


def port_req(typ, seq, name=b"", ptype=0, flags=0, peer=b"", netns=b""):
    """PORT_ADD, PORT_DEL, PORT_SHOW, PORT_CLEAR, as switchctl sends them: zero and empty
    fields left out."""
    a = []
    if name:
        a.append(string(A_PORT_NAME, name))
    if ptype:
        a.append(u32(A_PORT_TYPE, ptype))
    if flags:
        a.append(u32(A_PORT_FLAGS, flags))
    if peer:
        a.append(string(A_PORT_PEER, peer))
    if netns:
        a.append(string(A_PORT_NETNS, netns))
    return msg(typ, seq, a)


def mac_req(typ, seq, port=b"", addr=None, vlan=None):
    """MAC_SHOW, MAC_FLUSH: no port (every port) or one; MAC_SHOW: no addr (every MAC) or one;
    vlan: that VLAN only (SWP_MAC_F_VLAN). MAC_ADD: addr on port, in vlan (None: 0); MAC_DEL: addr
    in vlan."""
    a = ([string(A_MAC_PORT, port)] if port else []) + ([mac(A_MAC_ADDR, addr)] if addr else [])
    if vlan:
        a.append(u16(A_MAC_VLAN, vlan))
    if vlan is not None and typ in (MAC_SHOW, MAC_FLUSH):
        a.append(u32(A_MAC_FLAGS, MAC_F_VLAN))
    return msg(typ, seq, a)


def port_set_req(seq, name, key, value):
    """PORT_SET: one setting of one port."""
    return msg(PORT_SET, seq, ([string(A_PORT_NAME, name)] if name else []) + [u32(A_PORT_SET_KEY, key)] +
               ([u64(A_PORT_SET_VALUE, value)] if value else []))


def mirror_req(typ, seq, name=b"", frm=b"", direction=0, to=b""):
    """MIRROR_ADD: name, from (b"vm1,vm2"), dir (MIRROR_* bits, 0: both), to; MIRROR_DEL: name;
    MIRROR_SHOW: name or none (every mirror)."""
    a = [string(A_MIRROR_NAME, name)] if name else []
    if frm:
        a.append(string(A_MIRROR_FROM, frm))
    if direction:
        a.append(u32(A_MIRROR_DIR, direction))
    if to:
        a.append(string(A_MIRROR_TO, to))
    return msg(typ, seq, a)


def set_req(seq, key, value):
    return msg(SET, seq, [u32(A_SET_KEY, key)] + ([u64(A_SET_VALUE, value)] if value else []))


# ---- decoding ----

def parse_attrs(data):
    """{number: payload} of the attributes tiling data (the last of a number wins). The final
    attribute may lack its padding; anything else left over is a ProtocolError."""
    out, off = {}, 0
    while len(data) - off >= NLA.size:
        n, t = NLA.unpack_from(data, off)
        if n < NLA.size or n > len(data) - off:
            break
        out[t & NLA_TYPE_MASK] = bytes(data[off + NLA.size:off + n])
        off += pad(n)
    if off < len(data):
        raise ProtocolError("%d bytes after the last attribute do not form one" % (len(data) - off))
    return out


class Msg:
    """One decoded message."""

    def __init__(self, raw):
        if len(raw) < HDR.size:
            raise ProtocolError("%d bytes: shorter than a header" % len(raw))
        self.len, self.type, self.flags, self.seq, self.pid, self.version = HDR.unpack_from(raw)
        self.raw = bytes(raw)
        self.attrs = parse_attrs(raw[HDR.size:self.len])

    def _fixed(self, num, fmt):
        v = self.attrs.get(num)
        if v is None:
            return 0
        if len(v) != struct.calcsize(fmt):
            raise ProtocolError("type %d: attribute %d is %d bytes, not %d"
                                % (self.type, num, len(v), struct.calcsize(fmt)))
        return struct.unpack(fmt, v)[0]

    def u16(self, num):
        return self._fixed(num, "=H")

    def u32(self, num):
        return self._fixed(num, "=I")

    def s32(self, num):
        return self._fixed(num, "=i")

    def u64(self, num):
        return self._fixed(num, "=Q")

    def str(self, num):
        v = self.attrs.get(num)
        if v is None:
            return ""
        if not v or v[-1] != 0:
            raise ProtocolError("type %d: attribute %d is not a NUL-terminated string" % (self.type, num))
        return v.split(b"\0", 1)[0].decode(errors="replace")

    def mac(self, num):
        v = self.attrs.get(num, bytes(6))
        if len(v) != 6:
            raise ProtocolError("type %d: attribute %d is %d bytes, not a MAC" % (self.type, num, len(v)))
        return ":".join("%02x" % b for b in v)

    def nested(self, num):
        """The attributes inside one: {number: payload}."""
        return parse_attrs(self.attrs.get(num, b""))

    def __repr__(self):
        return "Msg(type %d, seq %d, len %d, version %d, %s)" % (self.type, self.seq, self.len,
                                                                self.version, fields(self))


def fields(m):
    """The message's known attributes by name, each checked as switchd's decoder checks it;
    absent ones read as 0 or "". Nested ones (counters, settings) become {name: value}."""
    out = {}
    for num, (name, kind, bound) in SCHEMA.get(m.type, {}).items():
        if kind == "str":
            out[name] = m.str(num)
            if num in m.attrs and m.attrs[num].index(b"\0") >= bound:
                raise ProtocolError("type %d: attribute %d is longer than %d bytes" % (m.type, num, bound - 1))
        elif kind == "mac":
            out[name] = m.mac(num)
        elif kind == "u64s":
            names = bound
            vals = dict.fromkeys(names, 0)
            for i, v in m.nested(num).items():
                if len(v) != 8:
                    raise ProtocolError("type %d: attribute %d.%d is %d bytes, not a u64" % (m.type, num, i, len(v)))
                if 1 <= i <= len(names):
                    vals[names[i - 1]] = struct.unpack("=Q", v)[0]
            out[name] = vals
        else:
            out[name] = m._fixed(num, _FIXED[kind])
    return out


def done(m):
    """(status, count, msg) of a DONE."""
    return m.s32(A_DONE_STATUS), m.u32(A_DONE_COUNT), m.str(A_DONE_MSG)


def split(buf):
    """The whole messages at the front of buf, and the bytes after them (a message begun)."""
    out, off = [], 0
    while len(buf) - off >= HDR.size:
        length = HDR.unpack_from(buf, off)[0]
        if not HDR.size <= length <= MSG_MAX or length % ALIGN:
            raise ProtocolError("length %d out of range at offset %d" % (length, off))
        if len(buf) - off < length:
            break
        out.append(Msg(buf[off:off + length]))
        off += length
    return out, buf[off:]


def recv_exact(s, n):
    """n bytes, or fewer only if the peer closed (a reset counts as closing)."""
    buf = b""
    while len(buf) < n:
        try:
            chunk = s.recv(n - len(buf))
        except ConnectionResetError:
            chunk = b""  # closed with some of our bytes unread
        if not chunk:
            break
        buf += chunk
    return buf


def recv_msg(s):
    """The next whole message from s, or None when the peer closed between messages.
    Closed when it closed inside one; ProtocolError for a header out of range or another
    version; socket.timeout passes through."""
    raw = recv_exact(s, HDR.size)
    if not raw:
        return None
    if len(raw) < HDR.size:
        raise Closed("connection closed within a header (%d of %d bytes)" % (len(raw), HDR.size))
    length, typ, _, _, _, version = HDR.unpack(raw)
    if not HDR.size <= length <= MSG_MAX or length % ALIGN or version != VERSION:
        raise ProtocolError("bad header: type %d len %d version %d" % (typ, length, version))
    rest = recv_exact(s, length - HDR.size)
    if len(rest) < length - HDR.size:
        raise Closed("connection closed within a message of type %d (%d of %d bytes)"
                     % (typ, HDR.size + len(rest), length))
    return Msg(raw + rest)


def connect(path, timeout=5.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(timeout)
    return s


def request(s, data):
    """Sends one request; returns (records, DONE) once its DONE arrives."""
    s.sendall(data)
    records = []
    while True:
        m = recv_msg(s)
        if m is None:
            raise Closed("connection closed before the DONE")
        if m.type == DONE:
            return records, m
        records.append(m)


def errname(status):
    """"-EINVAL" for -22, "0" for 0."""
    return "-" + errno.errorcode.get(-status, str(-status)) if status else "0"

