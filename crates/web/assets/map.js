// aiguillage: the directory map. Draws the département outlines as background and the places found
// by the search (GeoJSON from data-geojson: /api/v1/lieux.geojson, or /lieux.geojson on the public
// pages, whose data-lien gives the base of the places' pages) as points, each with a
// popup linking to its page. The list beside the map shows the same places for everyone, with or
// without JavaScript; the map only adds the picture. No tile server unless the instance sets one.
(function () {
  const container = document.getElementById('carte');
  if (!container || !window.maplibregl) return;
  maplibregl.setWorkerUrl('/static/maplibre/maplibre-gl-csp-worker.js');

  const sources = {
    departements: { type: 'geojson', data: '/static/geo/departements.geojson' },
    lieux: { type: 'geojson', data: container.dataset.geojson },
  };
  const layers = [{ id: 'fond', type: 'background', paint: { 'background-color': '#f6f6f6' } }];
  if (container.dataset.tiles) {
    sources.tuiles = { type: 'raster', tiles: [container.dataset.tiles], tileSize: 256 };
    layers.push({ id: 'tuiles', type: 'raster', source: 'tuiles' });
  } else {
    layers.push({ id: 'departements-fond', type: 'fill', source: 'departements', paint: { 'fill-color': '#ffffff' } });
  }
  layers.push(
    { id: 'departements-contour', type: 'line', source: 'departements', paint: { 'line-color': '#929292', 'line-width': 1 } },
    {
      id: 'lieux', type: 'circle', source: 'lieux',
      paint: { 'circle-radius': 7, 'circle-color': '#000091', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
    },
  );

  const map = new maplibregl.Map({
    container,
    style: { version: 8, sources, layers },
    bounds: [[-5.2, 41.3], [9.6, 51.1]],
    attributionControl: { compact: true, customAttribution: 'Contours : ANCT (Licence Ouverte)' },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));

  fetch(container.dataset.geojson, { credentials: 'same-origin' })
    .then((response) => response.json())
    .then((collection) => {
      const points = (collection.features || []).map((feature) => feature.geometry.coordinates);
      if (points.length === 0) return;
      const bounds = points.reduce((box, point) => box.extend(point), new maplibregl.LngLatBounds(points[0], points[0]));
      map.fitBounds(bounds, { padding: 48, maxZoom: 12, duration: 0 });
    })
    .catch(() => {});

  map.on('click', 'lieux', (event) => {
    const feature = event.features[0];
    const body = document.createElement('div');
    const link = document.createElement('a');
    link.href = (container.dataset.lien || '/annuaire') + '/' + feature.properties.id;
    link.textContent = feature.properties.name;
    const commune = document.createElement('p');
    commune.textContent = feature.properties.commune;
    body.append(link, commune);
    new maplibregl.Popup().setLngLat(feature.geometry.coordinates).setDOMContent(body).addTo(map);
  });
  map.on('mouseenter', 'lieux', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'lieux', () => { map.getCanvas().style.cursor = ''; });
  container.dataset.ready = 'true';
  map.on('idle', () => { container.dataset.idle = 'true'; });
})();
