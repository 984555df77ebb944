# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Optional compiled planner of the fast CityGML reader (issue 16): what citygml._Plan.read and _plan_rings make
of one building or building part, in one C pass over libxml2's nodes (through lxml's public C API; no libxml2
function is called, only its node structs are read).

Building(element) scans a building once (its srsNames, whether its gml:ids are unique); Building.plan(obj) gives
(polygons, ring_counts, ops, events, rings, open, parts, attributes) exactly as the Python planner, its posLists
parsed and cleaned as gml_geometry.parse_rings does, and citygml._attributes (None when unusual), or None when
anything is unusual (the Python planner, the reference, then reads the object and reports what it meets). Built by scripts/build_accel.py; optional at run time.
"""
from cpython.exc cimport PyErr_Clear
from cpython.ref cimport PyObject
from libc.math cimport fabs
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy, strcmp, strncmp
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, elementFactory, import_lxml__etree
from lxml.includes.tree cimport xmlAttr, xmlNode

import numpy as np

cdef extern from "Python.h":
    double PyOS_string_to_double(const char *s, char **endptr, PyObject *overflow_exception)

import_lxml__etree()

cdef const char* GML = b"http://www.opengis.net/gml"
cdef const char* GML32 = b"http://www.opengis.net/gml/3.2"
cdef const char* XLINK = b"http://www.w3.org/1999/xlink"
cdef double MAX_XY = 1.0e8
cdef double MAX_Z = 1.0e5
cdef int MAX_DEPTH = 64

cdef enum:
    K_SKIP = 0
    K_POLY = 1
    K_SOLID = 2
    K_ORIENTABLE = 3
    K_CONTAINER = 4

API = 4  # what citygml.accelerator() expects: a stale build (older .pyx) is not used
_LODS = ("0", "1", "2", "3", "4")
# citygml's attribute tables and its put_plain, given by configure() (one source of truth)
cdef object PUT_PLAIN = None
cdef dict NAMES = {}, GENERIC_TYPES = {}, ADDRESS_FIELDS = {}, ADDRESS_BY_PARENT = {}
cdef frozenset COLUMNS = frozenset(), BY_PARENT = frozenset(), ADDRESS_PARTS = frozenset()


def configure(put_plain, names, columns, generic_types, by_parent, address_fields, address_by_parent):
    """Take citygml's attribute tables and its put_plain (called once when the module is loaded)."""
    global PUT_PLAIN, NAMES, COLUMNS, GENERIC_TYPES, BY_PARENT, ADDRESS_FIELDS, ADDRESS_BY_PARENT
    global ADDRESS_PARTS
    PUT_PLAIN, NAMES, COLUMNS = put_plain, dict(names), frozenset(columns)
    GENERIC_TYPES, BY_PARENT = dict(generic_types), frozenset(by_parent)
    ADDRESS_FIELDS, ADDRESS_BY_PARENT = dict(address_fields), dict(address_by_parent)
    ADDRESS_PARTS = frozenset(BY_PARENT | set(ADDRESS_FIELDS))
_ALIASES = {"WindowSurface": "Window", "DoorSurface": "Door"}


class Unusual(Exception):
    """An object (or building) the compiled planner leaves to the Python planner."""


cdef inline bint eq(const char* a, const char* b) noexcept:
    return strcmp(a, b) == 0


cdef inline const char* name_of(xmlNode* n) noexcept:
    return <const char*>n.name


cdef inline xmlNode* first_child(xmlNode* n) noexcept:
    cdef xmlNode* c = n.children
    while c != NULL and c.type != tree.XML_ELEMENT_NODE:
        c = c.next
    return c


cdef inline xmlNode* next_sibling(xmlNode* n) noexcept:
    cdef xmlNode* c = n.next
    while c != NULL and c.type != tree.XML_ELEMENT_NODE:
        c = c.next
    return c


cdef inline int count_children(xmlNode* n) noexcept:
    cdef int k = 0
    cdef xmlNode* c = n.children
    while c != NULL:
        if c.type == tree.XML_ELEMENT_NODE:
            k += 1
        c = c.next
    return k


cdef const char* attr(xmlNode* n, const char* name, const char* ns) except? NULL:
    """An attribute's value (ns NULL: an attribute without namespace), NULL when absent (lxml's get)."""
    cdef xmlAttr* a = n.properties
    cdef xmlNode* c
    while a != NULL:
        if eq(<const char*>a.name, name) and (
                (ns == NULL and a.ns == NULL) or (ns != NULL and a.ns != NULL and eq(<const char*>a.ns.href, ns))):
            c = a.children
            if c == NULL:
                return b""
            if c.type == tree.XML_TEXT_NODE and c.next == NULL:
                return <const char*>c.content
            raise Unusual("attribute value of several nodes")
        a = a.next
    return NULL


cdef inline str text(const char* s):
    return s.decode("utf-8")


cdef object node_text(xmlNode* n):
    """lxml's el.text: the text before the first child element, None when there is none."""
    cdef xmlNode* c = n.children
    if c == NULL or (c.type != tree.XML_TEXT_NODE and c.type != tree.XML_CDATA_SECTION_NODE):
        return None
    if c.next != NULL and (c.next.type == tree.XML_TEXT_NODE or c.next.type == tree.XML_CDATA_SECTION_NODE):
        raise Unusual("text of several nodes")
    return text(<const char*>c.content)


cdef xmlNode* child_named(xmlNode* n, const char* name) noexcept:
    cdef xmlNode* c = first_child(n)
    while c != NULL and not eq(name_of(c), name):
        c = next_sibling(c)
    return c


cdef object gid_of(xmlNode* n):
    """el.get(gml:id) or el.get(gml32:id), as the Python reader reads it ("" and None kept apart)."""
    cdef const char* v = attr(n, b"id", GML)
    if v != NULL and v[0] != 0:
        return text(v)
    v = attr(n, b"id", GML32)
    return None if v == NULL else text(v)


cdef inline bint truthy_gid(xmlNode* n) except -1:
    cdef const char* v
    if n.properties == NULL:
        return False
    v = attr(n, b"id", GML)
    if v != NULL and v[0] != 0:
        return True
    v = attr(n, b"id", GML32)
    return v != NULL and v[0] != 0


cdef int walk_kind(const char* name) noexcept:
    if (eq(name, b"LineString") or eq(name, b"MultiCurve") or eq(name, b"Curve") or eq(name, b"Point")
            or eq(name, b"MultiPoint") or eq(name, b"CompositeCurve") or eq(name, b"name")
            or eq(name, b"description") or eq(name, b"boundedBy") or eq(name, b"metaDataProperty")):
        return K_SKIP
    if eq(name, b"Polygon") or eq(name, b"PolygonPatch") or eq(name, b"Triangle") or eq(name, b"Rectangle"):
        return K_POLY
    if eq(name, b"Solid"):
        return K_SOLID
    if eq(name, b"OrientableSurface"):
        return K_ORIENTABLE
    return K_CONTAINER


cdef int lod_of(const char* name) noexcept:
    """lodX(Solid|MultiSurface|...) property: 10 * (X + 1) + what (0 semantic RoofEdge, 1 plain, 2 FootPrint),
    else 0."""
    cdef const char* rest
    if strncmp(name, b"lod", 3) != 0 or name[3] < 48 or name[3] > 52:
        return 0
    rest = name + 4
    if eq(rest, b"Solid") or eq(rest, b"MultiSurface") or eq(rest, b"Geometry") or eq(rest, b"CompositeSurface"):
        return 10 * (name[3] - 47) + 1
    if eq(rest, b"FootPrint"):
        return 10 * (name[3] - 47) + 2
    if eq(rest, b"RoofEdge"):
        return 10 * (name[3] - 47)
    return 0


cdef inline bint is_exterior(const char* name) noexcept:
    return eq(name, b"exterior") or eq(name, b"outerBoundaryIs")


cdef inline bint is_interior(const char* name) noexcept:
    return eq(name, b"interior") or eq(name, b"innerBoundaryIs")


cdef bint inherits_3d(xmlNode* pos) except -1:
    """gml_geometry._dimension via citygml._inherits_3d: the first ancestor's srsDimension (or dimension)."""
    cdef xmlNode* node = pos.parent
    cdef const char* dim
    while node != NULL and node.type == tree.XML_ELEMENT_NODE:
        dim = attr(node, b"srsDimension", NULL)
        if dim == NULL or dim[0] == 0:
            dim = attr(node, b"dimension", NULL)
        if dim != NULL and dim[0] != 0:
            return eq(dim, b"3")
        node = node.parent
    return True


cdef double POW10[23]
POW10[:] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
            1e19, 1e20, 1e21, 1e22]


cdef inline bint is_space(char c) noexcept:
    return c == 32 or c == 9 or c == 10 or c == 13 or c == 11 or c == 12


cdef bint fast_double(const char* s, const char** end, double* out) noexcept:
    """Clinger's fast path: a decimal of at most 19 digits whose integer mantissa is at most 2**53, times a power of
    ten up to 1e22, is one correctly rounded IEEE operation of exact operands, so equal to float(text). False (the
    caller asks Python's parser) for anything else, or when the token does not end at whitespace."""
    cdef const char* p = s
    cdef unsigned long long mantissa = 0
    cdef int digits = 0, fraction = 0, exponent = 0, exponent_digits = 0, e10
    cdef bint negative = False, negative_exponent = False
    cdef double v
    if p[0] == 45 or p[0] == 43:
        negative = p[0] == 45
        p += 1
    while 48 <= p[0] <= 57:
        if digits == 19:
            return False
        mantissa = mantissa * 10 + <unsigned long long>(p[0] - 48)
        digits += 1
        p += 1
    if p[0] == 46:
        p += 1
        while 48 <= p[0] <= 57:
            if digits == 19:
                return False
            mantissa = mantissa * 10 + <unsigned long long>(p[0] - 48)
            digits += 1
            fraction += 1
            p += 1
    if digits == 0:
        return False
    if p[0] == 101 or p[0] == 69:
        p += 1
        if p[0] == 45 or p[0] == 43:
            negative_exponent = p[0] == 45
            p += 1
        while 48 <= p[0] <= 57:
            if exponent < 10000:
                exponent = exponent * 10 + (p[0] - 48)
            exponent_digits += 1
            p += 1
        if exponent_digits == 0:
            return False
    if not (p[0] == 0 or is_space(p[0])):
        return False
    e10 = (-exponent if negative_exponent else exponent) - fraction
    if mantissa > 9007199254740992ULL or e10 < -22 or e10 > 22:
        return False
    v = <double>mantissa
    v = v * POW10[e10] if e10 >= 0 else v / POW10[-e10]
    out[0] = -v if negative else v
    end[0] = p
    return True


cdef int next_value(const char** text, double* v) except -1:
    """The next number of a posList text (advanced past it): 1, or 0 at its end; Unusual unless every token is a
    plain decimal number that Python's float() reads (its parser decides what the fast path leaves)."""
    cdef const char* s = text[0]
    cdef char* end
    cdef const char* fast_end
    while is_space(s[0]):
        s += 1
    if s[0] == 0:
        text[0] = s
        return 0
    if not ((48 <= s[0] <= 57) or s[0] == 46 or s[0] == 45 or s[0] == 43):
        raise Unusual("not a plain number")
    if fast_double(s, &fast_end, v):
        text[0] = fast_end
        return 1
    v[0] = PyOS_string_to_double(s, &end, NULL)
    if end == s:
        PyErr_Clear()
        raise Unusual("not a number")
    if not (end[0] == 0 or is_space(end[0])):
        raise Unusual("not a plain number")
    text[0] = end
    return 1


def values(str text):
    """The numbers of a posList text as the compiled planner reads them (for tests); Unusual when it would hand
    the text to the Python planner."""
    cdef bytes data = text.encode("utf-8")
    cdef const char* s = data
    cdef double v
    out = []
    while next_value(&s, &v):
        out.append(v)
    return out


cdef class Building:
    """One building element: ``srs_names`` (its srsName values), ``unique`` (its gml:ids unique, every node an
    element or text), and plan(obj) for it and its parts."""

    cdef _Element element
    cdef xmlNode* root
    cdef public list srs_names
    cdef public bint unique
    cdef dict polygon_ids  # the building's polygons by gml:id (size_t node), made at the first xlink it needs
    # per plan
    cdef double* coords
    cdef Py_ssize_t ncoords, capacity
    cdef list ring_values  # the number of values of each ring's posList, in order
    cdef list polygons, ring_counts, ops, events, hrefs, parts
    cdef dict walked

    def __cinit__(self):
        self.coords = NULL
        self.capacity = 0

    def __dealloc__(self):
        free(self.coords)

    def __init__(self, _Element element):
        self.element = element
        self.root = element._c_node
        self.srs_names = []
        self.polygon_ids = None
        self.unique = self._scan()

    cdef bint _scan(self) except -1:
        cdef xmlNode* node = self.root
        cdef xmlNode* up
        cdef xmlAttr* a
        cdef const char* value
        cdef set ids = set()
        cdef Py_ssize_t count = 0
        cdef bint ok = True
        try:
            while node != NULL:
                if node.type == tree.XML_ELEMENT_NODE:
                    a = node.properties
                    while a != NULL:
                        if a.ns == NULL and eq(<const char*>a.name, b"srsName"):
                            self.srs_names.append(text(attr(node, b"srsName", NULL)))
                        elif a.ns != NULL and eq(<const char*>a.name, b"id") and (
                                eq(<const char*>a.ns.href, GML) or eq(<const char*>a.ns.href, GML32)):
                            value = attr(node, b"id", <const char*>a.ns.href)
                            ids.add(<bytes>value)
                            count += 1
                        a = a.next
                    if node.children != NULL:
                        node = node.children
                        continue
                elif node.type != tree.XML_TEXT_NODE and node.type != tree.XML_CDATA_SECTION_NODE:
                    ok = False  # comments, processing instructions, entity references: the Python reader's
                if node == self.root:
                    break
                while node.next == NULL:
                    node = node.parent
                    if node == self.root:
                        return ok and len(ids) == count
                node = node.next
        except Unusual:
            return False
        return ok and len(ids) == count

    def plan(self, _Element obj):
        """The plan of the object ``obj`` (this building or one of its parts), or None (see the module)."""
        if not self.unique:
            return None
        self.ncoords = 0
        self.ring_values, self.polygons, self.ring_counts = [], [], []
        self.ops, self.events, self.hrefs, self.parts, self.walked = [], [], [], [], {}
        try:
            self._read(obj._c_node)
            if self.hrefs:
                self._resolve()
            planned = self._finish()
        except Unusual:
            return None
        try:
            return planned + (self._attributes(obj._c_node),)
        except Unusual:
            return planned + (None,)

    cdef dict _attributes(self, xmlNode* el):
        """citygml._attributes of the object: plain values, 1.0/2.0 generic attributes, addresses; anything else
        (external references, 3.0 heights and generic attributes, dates, attribute sets) is unusual."""
        cdef dict attrs = {}
        cdef xmlNode* prop = first_child(el)
        if PUT_PLAIN is None:
            raise Unusual("not configured")
        while prop != NULL:
            if not lod_of(name_of(prop)):
                name = text(name_of(prop))
                if name.endswith("Attribute") or name == "genericAttributeSet":
                    for gkey, value in self._generic(prop):
                        attrs.setdefault(gkey if gkey not in COLUMNS else f"generic_{gkey}", value)
                elif name == "address":
                    self._address(prop, attrs)
                elif name in ("genericAttribute", "externalReference", "height", "dateOfConstruction",
                              "dateOfDemolition"):
                    raise Unusual(name)
                elif first_child(prop) == NULL:
                    key = NAMES.get(name, name)
                    value = " ".join((node_text(prop) or "").split())
                    if value:
                        PUT_PLAIN(attrs, key, value)
            prop = next_sibling(prop)
        return attrs

    cdef list _generic(self, xmlNode* el):
        """citygml._generic of a 1.0/2.0 gen:*Attribute (a set is unusual)."""
        cdef xmlNode* found
        cdef const char* raw = attr(el, b"name", NULL)
        kind = text(name_of(el))
        if kind == "genericAttribute":
            raise Unusual("a CityGML 3.0 generic attribute")
        if raw != NULL:
            name = text(raw)
        else:
            found = child_named(el, b"name")
            name = (node_text(found) or "").strip() if found != NULL else ""
        if not name:
            return []
        if kind.lower() == "genericattributeset":
            raise Unusual("a generic attribute set")
        found = child_named(el, b"value")
        value = (node_text(found) or "").strip() if found != NULL else ""
        stop = len(kind) - 9  # kind[: -len("Attribute")]
        convert = GENERIC_TYPES.get((kind[:stop] if stop > 0 else "").lower(), str)
        try:
            converted = convert(value)
        except ValueError:
            converted = value
        return [(name, converted)]

    cdef int _address(self, xmlNode* prop, dict attrs) except -1:
        """citygml._address: xAL 2.0 or 3.0; the first address fills the columns, further ones a list."""
        cdef dict found = {}
        cdef xmlNode* node = first_child(prop)
        cdef xmlNode* nxt
        cdef xmlNode* up
        while node != NULL:
            name = text(name_of(node))
            if name in ADDRESS_PARTS:
                raw = node_text(node)
                if raw:
                    if name in BY_PARENT:
                        up = node.parent
                        field = ADDRESS_BY_PARENT.get((name, text(name_of(up)) if up != NULL
                                                       and up.type == tree.XML_ELEMENT_NODE else ""))
                    else:
                        field = ADDRESS_FIELDS.get(name)
                    value = " ".join(raw.split()) if field is not None else ""
                    if value:
                        if name == "ThoroughfareNumberSuffix":
                            found["house_number"] = found.get("house_number", "") + value
                        else:
                            found.setdefault(field, value)
            nxt = first_child(node)  # document order within prop
            if nxt == NULL:
                while node != prop:
                    nxt = next_sibling(node)
                    if nxt != NULL:
                        break
                    node = node.parent
            node = nxt
        if found:
            if "street" in attrs or "city" in attrs:
                attrs.setdefault("further_addresses", []).append(found)
            else:
                attrs.update(found)
        return 0

    cdef int _read(self, xmlNode* el) except -1:
        cdef xmlNode* prop = first_child(el)
        cdef xmlNode* surface
        cdef xmlNode* sprop
        cdef xmlNode* child
        cdef const char* name
        cdef int lod
        cdef list out
        while prop != NULL:
            name = name_of(prop)
            lod = lod_of(name)
            if lod:
                out = []
                self._walk(prop, out)
                what = lod % 10
                self.ops.append((_LODS[lod // 10 - 1], what, "GroundSurface", None, out) if what == 2
                                else (_LODS[lod // 10 - 1], 0, "RoofSurface", None, out) if what == 0
                                else (_LODS[lod // 10 - 1], 1, "", None, out))
            elif eq(name, b"boundedBy") or eq(name, b"boundary"):
                surface = first_child(prop)
                if surface == NULL and attr(prop, b"href", XLINK) != NULL:
                    raise Unusual("surfaces by reference")
                while surface != NULL:
                    self._semantic(surface, 0)
                    surface = next_sibling(surface)
            elif eq(name, b"outerBuildingInstallation") or eq(name, b"buildingInstallation"):
                child = self._children(prop)
                while child != NULL:
                    self._installation(child)
                    child = next_sibling(child)
            elif eq(name, b"consistsOfBuildingPart") or eq(name, b"buildingPart"):
                child = first_child(prop)
                while child != NULL:
                    if eq(name_of(child), b"BuildingPart"):
                        self.parts.append(elementFactory(self.element._doc, child))
                    child = next_sibling(child)
            prop = next_sibling(prop)
        return 0

    cdef xmlNode* _children(self, xmlNode* prop) except? NULL:
        """citygml._element_children: the first element a property holds; an xlinked one is unusual."""
        cdef xmlNode* child = first_child(prop)
        if child == NULL and attr(prop, b"href", XLINK) != NULL:
            raise Unusual("by reference")
        return child

    cdef int _semantic(self, xmlNode* surface, int depth) except -1:
        cdef xmlNode* prop
        cdef xmlNode* child
        cdef const char* name
        cdef int lod
        cdef list out
        if depth > MAX_DEPTH:
            raise Unusual("nested too deeply")
        kind = text(name_of(surface))
        kind = _ALIASES.get(kind, kind)
        sid = gid_of(surface)
        prop = first_child(surface)
        while prop != NULL:
            name = name_of(prop)
            if eq(name, b"opening") or eq(name, b"fillingSurface"):
                child = self._children(prop)
                while child != NULL:
                    self._semantic(child, depth + 1)
                    child = next_sibling(child)
            else:
                lod = lod_of(name)
                if lod:
                    out = []
                    self._walk(prop, out)
                    self.ops.append((_LODS[lod // 10 - 1], 0, kind, sid, out))
            prop = next_sibling(prop)
        return 0

    cdef int _installation(self, xmlNode* el) except -1:
        cdef xmlNode* prop = first_child(el)
        cdef xmlNode* child
        cdef const char* name
        cdef int lod
        cdef list out
        while prop != NULL:
            name = name_of(prop)
            if eq(name, b"boundedBy") or eq(name, b"boundary"):
                child = self._children(prop)
                while child != NULL:
                    self._semantic(child, 0)
                    child = next_sibling(child)
            else:
                lod = lod_of(name)
                if lod:
                    out = []
                    self._walk(prop, out)
                    self.ops.append((_LODS[lod // 10 - 1], 1, "", None, out))
            prop = next_sibling(prop)
        return 0

    cdef int _walk(self, xmlNode* prop, list out) except -1:
        """citygml._Plan._walk: the property's elements in document order."""
        cdef xmlNode* node = prop
        cdef xmlNode* child
        cdef const char* href
        cdef int kind
        cdef Py_ssize_t i
        while True:
            kind = walk_kind(name_of(node))
            child = first_child(node)
            if kind == K_CONTAINER:
                if child == NULL:
                    href = attr(node, b"href", XLINK)
                    if href != NULL:
                        mark = -1 - len(self.hrefs)
                        self.hrefs.append(text(href))
                        out.append(mark)
                        self.events.append(mark)
                elif truthy_gid(node):
                    raise Unusual("a container with a gml:id")
            elif kind == K_POLY:
                i = self._polygon(node)
                out.append(i)
                self.events.append(i)
                child = NULL  # its rings are read
            elif kind == K_SOLID:
                if child == NULL:
                    raise Unusual("a Solid by reference")
                while child != NULL:
                    if not eq(name_of(child), b"exterior"):
                        raise Unusual("an interior shell")
                    child = next_sibling(child)
                child = first_child(node)
            elif kind == K_ORIENTABLE or child != NULL:
                raise Unusual("OrientableSurface or non-surface geometry holding elements")
            if child != NULL:
                node = child
                continue
            while node != prop:
                child = next_sibling(node)
                if child != NULL:
                    break
                node = node.parent
            if node == prop:
                return 0
            node = child

    cdef Py_ssize_t _polygon(self, xmlNode* el) except -1:
        """citygml._Plan._polygon, with the posLists parsed into the plan's coordinates."""
        cdef int rings = count_children(el)
        cdef xmlNode* child = first_child(el)
        cdef xmlNode* ring
        cdef xmlNode* pos
        cdef const char* dim
        cdef int r
        cdef long line
        if not rings:
            raise Unusual("a polygon without rings")
        for r in range(rings):
            if (is_exterior(name_of(child)) if r == 0 else is_interior(name_of(child))) == 0 \
                    or count_children(child) != 1:
                raise Unusual("an exterior ring missing or not first")
            ring = first_child(child)
            if not eq(name_of(ring), b"LinearRing") or count_children(ring) != 1:
                raise Unusual("not a LinearRing")
            pos = first_child(ring)
            if not eq(name_of(pos), b"posList") or count_children(pos) != 0:
                raise Unusual("not a posList")
            dim = attr(pos, b"srsDimension", NULL)
            if dim == NULL or not eq(dim, b"3"):
                if dim == NULL or dim[0] == 0:
                    dim = attr(pos, b"dimension", NULL)
                if (dim == NULL or not eq(dim, b"3")) and ((dim != NULL and dim[0] != 0) or not inherits_3d(pos)):
                    raise Unusual("not 3D")
            self._parse(pos)
            child = next_sibling(child)
        gid = gid_of(el)
        if gid:
            self.walked[gid] = len(self.polygons)
        self.polygons.append((gid, self._line(el)))
        self.ring_counts.append(rings)
        return len(self.polygons) - 1

    cdef object _line(self, xmlNode* el):
        """gml_geometry.source_line: libxml2 keeps lines below 65535 in the node; from there on lxml's sourceline
        (libxml2's xmlGetLineNo) is asked, so that no libxml2 function is called from here."""
        cdef long line = el.line
        if line >= 65535:
            found = elementFactory(self.element._doc, el).sourceline
            return found - 1 if found is not None and found > 65535 else found
        return line if line > 0 else None

    cdef int _parse(self, xmlNode* pos) except -1:
        """A posList's values appended to the coordinates; unusual unless a plain text of 3D numbers in range."""
        cdef xmlNode* t = pos.children
        cdef const char* s
        cdef double v
        cdef Py_ssize_t start = self.ncoords, k
        if t == NULL or t.type != tree.XML_TEXT_NODE or t.next != NULL:
            raise Unusual("empty or not plain text")
        s = <const char*>t.content
        while next_value(&s, &v):
            k = self.ncoords - start
            if not (fabs(v) <= (MAX_Z if k % 3 == 2 else MAX_XY)):
                raise Unusual("absurd or not finite")
            if self.ncoords == self.capacity:
                self._grow()
            self.coords[self.ncoords] = v
            self.ncoords += 1
        k = self.ncoords - start
        if k % 3 or k < 9:
            raise Unusual("not 3D points or too few")
        self.ring_values.append(k)
        return 0

    cdef int _grow(self) except -1:
        cdef Py_ssize_t capacity = max(512, 2 * self.capacity)
        cdef double* grown = <double*>realloc(self.coords, capacity * sizeof(double))
        if grown == NULL:
            raise MemoryError()
        self.coords, self.capacity = grown, capacity
        return 0

    cdef int _resolve(self) except -1:
        """citygml._Plan._resolve: the xlinks' polygons (of this object, else of the building) put in place."""
        cdef list found = []
        cdef xmlNode* node
        for href in self.hrefs:
            if len(href) < 2 or href[0] != "#":
                raise Unusual("not a local xlink")
            i = self.walked.get(href[1:])
            if i is None:
                if self.polygon_ids is None:
                    self._index_polygons()
                target = self.polygon_ids.get(href[1:])
                if target is None:
                    raise Unusual("not a polygon of this building")
                node = <xmlNode*><size_t>target
                i = self._polygon(node)
            found.append(i)
        for op in self.ops:
            out = op[4]
            if out and min(out) < 0:
                out[:] = [found[-1 - i] if i < 0 else i for i in out]
        self.events = [found[-1 - i] if i < 0 else i for i in self.events]
        return 0

    cdef int _index_polygons(self) except -1:
        cdef xmlNode* node = self.root
        cdef int kind
        self.polygon_ids = {}
        while node != NULL:
            if node.type == tree.XML_ELEMENT_NODE:
                if walk_kind(name_of(node)) == K_POLY:
                    gid = gid_of(node)
                    if gid:
                        self.polygon_ids[gid] = <size_t>node
                if node.children != NULL:
                    node = node.children
                    continue
            if node == self.root:
                return 0
            while node.next == NULL:
                node = node.parent
                if node == self.root:
                    return 0
            node = node.next
        return 0

    cdef object _finish(self):
        """The plan tuple: rings cleaned as parse_rings cleans them (duplicate points and the closing one
        dropped); a ring with fewer than 3 distinct points makes the object unusual."""
        cdef double* p = self.coords
        cdef Py_ssize_t r = 0, w = 0, n, i, kept, final, opened = 0, first
        cdef list finals = []
        cdef bint closing, distinct
        cdef double[:, ::1] view
        for k in self.ring_values:
            n = k // 3
            first = w
            if w != r:
                memcpy(p + 3 * w, p + 3 * r, 3 * sizeof(double))
            kept = 1
            for i in range(1, n):
                if not (p[3 * (r + i)] == p[3 * (w + kept - 1)] and p[3 * (r + i) + 1] == p[3 * (w + kept - 1) + 1]
                        and p[3 * (r + i) + 2] == p[3 * (w + kept - 1) + 2]):
                    if w + kept != r + i:
                        memcpy(p + 3 * (w + kept), p + 3 * (r + i), 3 * sizeof(double))
                    kept += 1
            closing = kept > 1 and (p[3 * w] == p[3 * (w + kept - 1)] and p[3 * w + 1] == p[3 * (w + kept - 1) + 1]
                                    and p[3 * w + 2] == p[3 * (w + kept - 1) + 2])
            final = kept - closing
            if final < 3:
                raise Unusual("fewer than 3 points")
            distinct = False
            for i in range(2, kept):
                if not ((p[3 * (w + i)] == p[3 * w] and p[3 * (w + i) + 1] == p[3 * w + 1]
                         and p[3 * (w + i) + 2] == p[3 * w + 2])
                        or (p[3 * (w + i)] == p[3 * w + 3] and p[3 * (w + i) + 1] == p[3 * w + 4]
                            and p[3 * (w + i) + 2] == p[3 * w + 5])):
                    distinct = True
                    break
            if not distinct:
                raise Unusual("fewer than 3 distinct points")
            opened += not closing
            finals.append(final)
            r += n
            w += final
        points = np.empty((w, 3), dtype=np.float64)
        view = points
        if w:
            memcpy(&view[0, 0], p, 3 * w * sizeof(double))
        rings = []
        r = 0
        for final in finals:
            rings.append(points[r:r + final])
            r += final
        return (self.polygons, self.ring_counts, self.ops, self.events, rings, opened, self.parts)
