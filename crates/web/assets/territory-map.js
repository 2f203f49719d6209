// aiguillage: the territorial diagnostic's map. Communes as circles at their centre, sized by
// population and coloured by fragility index (pale: 1, dark red: 10); communes beyond reach of an
// inclusion offer ringed in orange; places of the directory as small blue points; département
// outlines behind. The tables of the page carry the same facts for everyone; the map adds the picture.
(function () {
  const container = document.getElementById('carte-territoire');
  if (!container || !window.maplibregl) return;
  maplibregl.setWorkerUrl('/static/maplibre/maplibre-gl-csp-worker.js');
  const sources = {
    departements: { type: 'geojson', data: '/static/geo/departements.geojson' },
    communes: { type: 'geojson', data: container.dataset.communes },
    lieux: { type: 'geojson', data: container.dataset.lieux },
  };
  const layers = [
    { id: 'fond', type: 'background', paint: { 'background-color': '#f6f6f6' } },
    { id: 'departements-fond', type: 'fill', source: 'departements', paint: { 'fill-color': '#ffffff' } },
    { id: 'departements-contour', type: 'line', source: 'departements', paint: { 'line-color': '#929292', 'line-width': 1 } },
    {
      id: 'communes', type: 'circle', source: 'communes',
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'population']], 0, 2, 20, 5, 100, 12, 400, 28],
        'circle-color': ['case', ['==', ['get', 'index'], null], '#cecece',
          ['interpolate', ['linear'], ['get', 'index'], 1, '#fee9e6', 5, '#f4a28c', 10, '#a1110a']],
        'circle-opacity': 0.85,
        'circle-stroke-color': ['case', ['get', 'far'], '#d64d00', '#ffffff'],
        'circle-stroke-width': ['case', ['get', 'far'], 3, 1],
      },
    },
    {
      id: 'lieux', type: 'circle', source: 'lieux',
      paint: { 'circle-radius': 4, 'circle-color': '#000091', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 },
    },
  ];
  const map = new maplibregl.Map({
    container,
    style: { version: 8, sources, layers },
    bounds: [[-5.2, 41.3], [9.6, 51.1]],
    attributionControl: { compact: true, customAttribution: 'Contours : ANCT (Licence Ouverte) ; indicateurs : INSEE, ARCEP' },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  fetch(container.dataset.communes, { credentials: 'same-origin' })
    .then((response) => response.json())
    .then((collection) => {
      const points = (collection.features || []).map((feature) => feature.geometry.coordinates);
      if (points.length === 0) return;
      const bounds = points.reduce((box, point) => box.extend(point), new maplibregl.LngLatBounds(points[0], points[0]));
      map.fitBounds(bounds, { padding: 32, maxZoom: 11, duration: 0 });
    })
    .catch(() => {});
  map.on('click', 'communes', (event) => {
    const p = event.features[0].properties;
    const body = document.createElement('p');
    const index = p.index === null || p.index === undefined || p.index === 'null' ? 'inconnu' : Number(p.index).toFixed(1).replace('.', ',');
    body.textContent = `${p.name} : ${Number(p.population).toLocaleString('fr-FR')} habitants, indice ${index}` + (String(p.far) === 'true' ? ', hors de portée d\u2019une offre d\u2019inclusion' : '');
    new maplibregl.Popup().setLngLat(event.features[0].geometry.coordinates).setDOMContent(body).addTo(map);
  });
  map.on('idle', () => { container.dataset.idle = 'true'; });
})();
