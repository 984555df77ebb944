"""IFC4 models made with ifcopenshell.api: the set-up every generator shares, and placed, extruded products.

``IfcModel`` holds a file with a project in metres and its Model/Body contexts; generators add the
georeferencing, the site and building, and products with a placement and an extruded body. ``write``
gives reproducible bytes: a fixed time stamp and global ids derived from a namespace and a key.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.api.aggregate
import ifcopenshell.api.context
import ifcopenshell.api.geometry
import ifcopenshell.api.georeference
import ifcopenshell.api.project
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import ifcopenshell.api.unit
import ifcopenshell.guid
import numpy as np
import numpy.typing as npt

FIXED_TIME_STAMP = "2025-01-01T00:00:00+00:00"
METRIC_UNITS = ("LENGTHUNIT", "AREAUNIT", "VOLUMEUNIT")


def matrix(x: float, y: float, z: float, angle_deg: float = 0.0) -> npt.NDArray[np.float64]:
    """Make a 4x4 placement matrix: rotated by ``angle_deg`` about z, then moved to (x, y, z).

    Args:
        x: the translation's x.
        y: its y.
        z: its z.
        angle_deg: the rotation about z, anticlockwise.

    Returns:
        The matrix.

    Example:
        >>> matrix(1.0, 2.0, 3.0, 90.0).round(3).tolist()
        [[0.0, -1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 1.0, 3.0], [0.0, 0.0, 0.0, 1.0]]
    """
    a = math.radians(angle_deg)
    m = np.eye(4)
    m[0, 0], m[0, 1], m[1, 0], m[1, 1] = math.cos(a), -math.sin(a), math.sin(a), math.cos(a)
    m[:3, 3] = (x, y, z)
    return m


@dataclass(frozen=True)
class Box:
    """A box body: ``length`` along x, ``thickness`` along y, ``height`` up (add_wall_representation)."""
    length: float
    height: float
    thickness: float

    def add(self, f: ifcopenshell.file, context: ifcopenshell.entity_instance) -> ifcopenshell.entity_instance:
        return ifcopenshell.api.geometry.add_wall_representation(
            f, context=context, length=self.length, height=self.height, thickness=self.thickness)


@dataclass(frozen=True)
class Prism:
    """An outline in the xy plane extruded by ``depth`` (add_slab_representation)."""
    depth: float
    outline: list[tuple[float, float]]

    def add(self, f: ifcopenshell.file, context: ifcopenshell.entity_instance) -> ifcopenshell.entity_instance:
        return ifcopenshell.api.geometry.add_slab_representation(
            f, context=context, depth=self.depth, polyline=self.outline)


class IfcModel:
    """An IFC4 file holding a project in SI ``units`` (metres) and its Model and Body contexts."""

    def __init__(self, project: str, units: tuple[str, ...] = METRIC_UNITS):
        f = self.file = ifcopenshell.api.project.create_file(version="IFC4")
        self.project = self.create("IfcProject", project)
        si_units = [ifcopenshell.api.unit.add_si_unit(f, unit_type=unit_type) for unit_type in units]
        self.length_unit = si_units[0]
        assignment = ifcopenshell.api.unit.assign_unit(f, units=si_units)
        # The api collects the units in a set, whose order follows the process's history: sort them.
        assignment.Units = sorted(assignment.Units, key=lambda u: u.id())
        model = ifcopenshell.api.context.add_context(f, context_type="Model")
        self.body = ifcopenshell.api.context.add_context(f, context_type="Model", context_identifier="Body",
                                                         target_view="MODEL_VIEW", parent=model)

    def create(self, ifc_class: str, name: str | None = None, **kw: Any) -> ifcopenshell.entity_instance:
        return ifcopenshell.api.root.create_entity(self.file, ifc_class=ifc_class, name=name, **kw)

    def georeference(self, projected_crs: dict[str, Any], eastings: float, northings: float, height: float,
                     x_axis_abscissa: float, x_axis_ordinate: float) -> dict[str, Any]:
        """Add an IfcMapConversion (scale 1) to ``projected_crs``; returns its parameters."""
        operation = {"Eastings": eastings, "Northings": northings, "OrthogonalHeight": height,
                     "XAxisAbscissa": x_axis_abscissa, "XAxisOrdinate": x_axis_ordinate, "Scale": 1.0}
        ifcopenshell.api.georeference.add_georeferencing(self.file)
        ifcopenshell.api.georeference.edit_georeferencing(
            self.file, projected_crs=projected_crs, coordinate_operation=dict(operation))
        return operation

    def site_and_building(self, site: str, building: str, *, address: dict[str, Any] | None = None,
                          placed: bool = True) -> tuple[ifcopenshell.entity_instance, ifcopenshell.entity_instance]:
        """The project's site and its building (its IfcPostalAddress of ``address``), at the origin if ``placed``."""
        f = self.file
        site_entity, building_entity = self.create("IfcSite", site), self.create("IfcBuilding", building)
        if address is not None:
            building_entity.BuildingAddress = f.createIfcPostalAddress(**address)
        ifcopenshell.api.aggregate.assign_object(f, relating_object=self.project, products=[site_entity])
        ifcopenshell.api.aggregate.assign_object(f, relating_object=site_entity, products=[building_entity])
        if placed:
            for product in (site_entity, building_entity):
                ifcopenshell.api.geometry.edit_object_placement(f, product=product, matrix=matrix(0, 0, 0))
        return site_entity, building_entity

    def add(self, ifc_class: str, name: str, placement: npt.NDArray[np.float64], *, body: Box | Prism | None = None,
            predefined_type: str | None = None, container: ifcopenshell.entity_instance | None = None,
            part_of: ifcopenshell.entity_instance | None = None, **attributes: Any) -> ifcopenshell.entity_instance:
        """A product with ``attributes``, contained in ``container`` or aggregated into ``part_of``, placed."""
        f = self.file
        product = self.create(ifc_class, name, predefined_type=predefined_type)
        for key, value in attributes.items():
            setattr(product, key, value)
        if container is not None:
            ifcopenshell.api.spatial.assign_container(f, relating_structure=container, products=[product])
        if part_of is not None:
            ifcopenshell.api.aggregate.assign_object(f, relating_object=part_of, products=[product])
        if body is not None:
            ifcopenshell.api.geometry.assign_representation(f, product=product, representation=body.add(f, self.body))
        ifcopenshell.api.geometry.edit_object_placement(f, product=product, matrix=placement)
        return product

    def sort_relationships(self) -> None:
        """Order the related objects of every relationship by id (the api collects them in sets)."""
        for rel in self.file.by_type("IfcRelationship"):
            for i, value in enumerate(rel):
                if isinstance(value, tuple) and value and all(isinstance(v, ifcopenshell.entity_instance)
                                                              for v in value):
                    rel[i] = sorted(value, key=lambda e: e.id())

    def write(self, path: str | Path, guids: uuid.UUID, key: object, *, by_id: bool = True, **file_name: Any) -> None:
        """Write with a fixed time stamp, ``file_name`` header fields and global ids from ``guids`` and ``key``.

        The n-th rooted entity, in creation order (``by_id``) or in ``by_type`` order, gets uuid5(guids, "key:n").
        """
        header = self.file.header.file_name
        header.name, header.time_stamp = Path(path).name, FIXED_TIME_STAMP
        for field, value in file_name.items():
            setattr(header, field, value)
        rooted = self.file.by_type("IfcRoot")
        for n, entity in enumerate(sorted(rooted, key=lambda e: e.id()) if by_id else rooted):
            entity.GlobalId = ifcopenshell.guid.compress(uuid.uuid5(guids, f"{key}:{n}").hex)
        self.file.write(str(path))
